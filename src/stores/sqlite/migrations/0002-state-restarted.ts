import type { SqliteMigration } from "./index.js";

/** `StateRecord.restarted`: a login restarted once because its callback lost the pre-login cookie. */
export const stateRestarted: SqliteMigration = {
  name: "0002-state-restarted",
  up: ({ context: db }) => {
    db.exec("ALTER TABLE wechat_login_states ADD COLUMN restarted INTEGER NOT NULL DEFAULT 0");
  },
};
