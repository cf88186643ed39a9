import { startEmulator } from "wechat-login/emulator";
import { sendReady, serveParent } from "./child.js";

// The emulator gets a process (and so a core) of its own: in the load generator's event loop
// it would bill its own work to whichever contender is being measured.
const emulator = await startEmulator({ port: 0, host: "127.0.0.1" });
serveParent(
  async () => ({}),
  () => emulator.close(),
);
sendReady({ url: emulator.url });
