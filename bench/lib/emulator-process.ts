import { startEmulator } from "wechat-login/emulator";
import { sendReady, serveParent } from "./child.js";

// The emulator gets a process (and so a core) of its own: in the load generator's event loop
// it would bill its own work to whichever contender is being measured.
const emulator = await startEmulator({ port: 0, host: "127.0.0.1" });
serveParent(
  async (message) => {
    // Scenario 6 needs tens of thousands of single-use codes; minting them over the control API would take longer than using them.
    if (message.type === "mintCodes") {
      const { appid, userId, count } = message as unknown as { appid: string; userId: string; count: number };
      const codes = Array.from({ length: count }, () =>
        emulator.state.grants.issueCode(appid, userId, "snsapi_login"),
      );
      return { codes };
    }
    throw new Error(`unknown request ${message.type}`);
  },
  () => emulator.close(),
);
sendReady({ url: emulator.url });
