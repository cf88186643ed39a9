import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../adapters/sites.js";
import { ensurePackageBuilt } from "../support/package-build.js";
import { type BuiltProject, followGuide, packPackage, waitUntilServing } from "./fresh-project.js";
import { logInThroughGuide } from "./guide-login.js";
import { GUIDE_PROJECTS, type GuideProject } from "./guide-projects.js";
import { root } from "./markdown.js";
import { startPrebuiltMirror } from "./prebuilt-mirror.js";

// Each guide followed word for word in an empty folder, as a new user would: the packed tarball installed
// with what the guide's install step lists, its files written, its "Try it" commands started, then a user
// logs in through the site against the emulator the guide started. Installs share the npm cache.
let workdir: string;
let tarball: string;
let mirror: Awaited<ReturnType<typeof startPrebuiltMirror>>;
const timings: string[] = [];

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "docs-fresh-"));
  await ensurePackageBuilt();
  [tarball, mirror] = await Promise.all([packPackage(root, workdir), startPrebuiltMirror(workdir)]);
}, 120_000);

afterAll(async () => {
  if (timings.length > 0) console.log(`empty folder → first login:\n${timings.join("\n")}`);
  await mirror?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

async function hasCommonJsBuild(): Promise<boolean> {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    exports: Record<string, { require?: unknown }>;
  };
  return manifest.exports["."]?.require !== undefined;
}

async function tryGuide(guide: GuideProject) {
  const started = Date.now();
  const dir = await mkdtemp(join(workdir, `${guide.project}-`));
  const ports = { site: await freePort(), emulator: await freePort() };
  await guide.scaffold?.(dir);
  let project: BuiltProject | undefined;
  try {
    project = await followGuide(guide.doc, guide.project, dir, ports, { tarball, env: mirror.env });
    const siteUrl = `http://localhost:${ports.site}`;
    const emulatorUrl = `http://127.0.0.1:${ports.emulator}`;
    await waitUntilServing(emulatorUrl, project, 30_000);
    await waitUntilServing(`${siteUrl}/auth/session`, project, guide.startTimeoutMs ?? 60_000);
    const { firstLoginAt } = await logInThroughGuide(siteUrl, emulatorUrl, guide.page).catch((error) => {
      throw new Error(`${String(error)}\n${project?.log()}`);
    });
    timings.push(`  ${guide.name}: ${((firstLoginAt - started) / 1000).toFixed(1)} s`);
    // The guide's logger is on: the site's own output has the flow's log line for the login.
    expect(project.servers[1]?.output()).toContain('"event":"login_completed"');
  } finally {
    await project?.stop();
  }
}

describe.concurrent("the framework guides, followed word for word in a fresh project", () => {
  for (const guide of GUIDE_PROJECTS) {
    it(`${guide.name}: ${guide.doc}`, async ({ skip }) => {
      if (guide.needsCommonJs && !(await hasCommonJsBuild())) {
        // Enabled by itself once package.json's exports carry a `require` build (branch `package`).
        skip('needs the CommonJS build of wechat-login (exports["."].require), not merged yet');
      }
      await tryGuide(guide);
    }, 600_000);
  }
});
