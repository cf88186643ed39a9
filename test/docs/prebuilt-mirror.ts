import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { root } from "./markdown.js";

/**
 * better-sqlite3's install script downloads a prebuilt binary, from a host this machine cannot reach, and
 * otherwise compiles SQLite (a minute of both cores per project). prebuild-install takes a mirror from
 * `npm_config_better_sqlite3_binary_host`: this one serves the binary the repository's own install holds,
 * packed the way prebuild-install expects, so each fresh project's `npm install` runs the real install
 * script and gets a working binary in a second.
 */
export async function startPrebuiltMirror(workdir: string) {
  const moduleDir = join(root, "node_modules/better-sqlite3");
  const { version } = JSON.parse(await readFile(join(moduleDir, "package.json"), "utf8")) as {
    version: string;
  };
  const archive = join(workdir, "better-sqlite3-prebuilt.tar.gz");
  await promisify(execFile)("tar", ["-czf", archive, "-C", moduleDir, "build/Release/better_sqlite3.node"]);
  const body = await readFile(archive);
  const served: string[] = [];
  const server = createServer((request, response) => {
    if (request.url?.startsWith(`/v${version}/better-sqlite3-v${version}-`)) {
      served.push(request.url);
      response.writeHead(200, { "content-type": "application/gzip", "content-length": body.length });
      response.end(body);
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  const host = `http://127.0.0.1:${address.port}`;
  return {
    env: { npm_config_better_sqlite3_binary_host: host },
    served,
    async close() {
      server.close();
      // prebuild-install keeps each download in the npm cache under a name made from its URL (our port):
      // remove ours so runs do not pile them up.
      for (const url of new Set(served)) {
        const digest = createHash("sha512").update(`${host}${url}`).digest("hex").slice(0, 6);
        const cached = `${digest}-${basename(url).replace(/[^a-zA-Z0-9.]+/g, "-")}`;
        await rm(join(process.env.npm_config_cache ?? join(homedir(), ".npm"), "_prebuilds", cached), {
          force: true,
        });
      }
    },
  };
}
