import { join } from "node:path";
import { linkPackages, writeFiles } from "./packed.js";

// What a TypeScript app writes against the package: values and types from the root and several subpaths.
// Only @types/node is installed (no @types/better-sqlite3, no driver). The CommonJS project checks with
// `skipLibCheck: false`, so the package's declarations are checked too: every type they need must be in the
// package or its dependencies (once is enough, and it is the slow part).
const app = `import { ConfigError, createLogin, type Login, type LoginSession } from "wechat-login";
import { loginRoutes } from "wechat-login/adapters/hono";
import { loginRoutes as nodeLoginRoutes } from "wechat-login/adapters/node";
import { UserTokens, WeChatClient } from "wechat-login/client";
import { startEmulator } from "wechat-login/emulator";
import { WeChatApiError } from "wechat-login/protocol";
import type { Store } from "wechat-login/stores";
import { memoryStore } from "wechat-login/stores/memory";
import { type SqliteStoreOptions, sqliteStore } from "wechat-login/stores/sqlite";

const options: SqliteStoreOptions = { filename: "./data/login.db", busyTimeoutMs: 2_000 };
export const opened: Promise<Store> = sqliteStore(options);
export const login: Login = createLogin({
  appid: "wx0123456789abcdef",
  secret: "f".repeat(32),
  redirectUri: "https://example.com/auth/callback",
  sessionSecret: "s".repeat(32),
  store: memoryStore(),
});
export const routes = loginRoutes(login);
export const handler = nodeLoginRoutes(login);
export const nickname = (session: LoginSession): string => session.user.nickname;
export const isConfig = (error: unknown): boolean => error instanceof ConfigError || error instanceof WeChatApiError;
export const parts = [WeChatClient, UserTokens, startEmulator];
// @ts-expect-error the types are real, not any: a filename is a string
sqliteStore({ filename: 42 });
`;

const strict = { strict: true, skipLibCheck: true, noEmit: true, types: ["node"], target: "ES2023" };

/** Writes the three projects under `dir` and returns their tsconfig paths. */
export async function typeCheckProjects(dir: string): Promise<string[]> {
  await linkPackages(dir, ["@types/node"]);
  const projects: Record<string, { type?: "module"; compilerOptions: Record<string, unknown> }> = {
    // A CommonJS app, as `npm init -y` and `nest new` make it: the imports compile to require().
    "ts-cjs": {
      compilerOptions: { ...strict, skipLibCheck: false, module: "nodenext", moduleResolution: "nodenext" },
    },
    "ts-esm": {
      type: "module",
      compilerOptions: { ...strict, module: "nodenext", moduleResolution: "nodenext" },
    },
    // `module: commonjs` alone, as older tsconfigs (Nest 10's) have it: resolution ignores `exports`.
    "ts-node10": { compilerOptions: { ...strict, module: "commonjs", moduleResolution: "node10" } },
    // Vite, Next.js and other bundlers.
    "ts-bundler": {
      type: "module",
      compilerOptions: { ...strict, module: "esnext", moduleResolution: "bundler", lib: ["ES2023", "DOM"] },
    },
  };
  for (const [name, { type, compilerOptions }] of Object.entries(projects)) {
    await writeFiles(join(dir, name), {
      "package.json": `${JSON.stringify({ name, private: true, ...(type ? { type } : {}) })}\n`,
      "tsconfig.json": `${JSON.stringify({ compilerOptions, include: ["app.ts"] }, null, 2)}\n`,
      "app.ts": app,
    });
  }
  return Object.keys(projects).map((name) => join(dir, name, "tsconfig.json"));
}
