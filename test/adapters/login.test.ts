import { afterAll, beforeAll, describe, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { Login } from "../../src/flow/index.js";
import { bearerReachesTheApp, loginAndLogOut } from "./scenario.js";
import { emulatorLogin, FRAMEWORKS, freePort, type Site } from "./sites.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

describe.each(FRAMEWORKS)("%s example: the whole login against the emulator", (_name, start) => {
  let site: Site;
  let login: Login;

  beforeAll(async () => {
    const port = await freePort();
    login = emulatorLogin(emulator, port);
    site = await start({ port, login });
  });
  afterAll(async () => {
    await site.close();
    await login.close();
  });

  it("logs in, serves the session to the app, and logs out", async () => {
    await loginAndLogOut(site.url, emulator, login.appid);
  });

  it("lets the mini program's bearer token through requireSession, and logs it out", async () => {
    await bearerReachesTheApp(site.url, emulator);
  });
});
