import type { PostgresMigration } from "./index.js";

/** `StateRecord.restarted`: a login restarted once because its callback lost the pre-login cookie. */
export const stateRestarted: PostgresMigration = {
  name: "0002-state-restarted",
  up: async ({ context: { client, schema: s } }) => {
    await client.query(`ALTER TABLE ${s}.states ADD COLUMN restarted boolean NOT NULL DEFAULT false`);
  },
};
