import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CookieClient } from "../adapters/sites.js";
import type { GuidePage } from "./guide-login.js";
import { root } from "./markdown.js";

/** A guide the suite follows in a fresh project: the project shape its marked blocks build. */
export interface GuideProject {
  name: string;
  doc: string;
  /** The `project=` of the guide's markers. */
  project: string;
  /** The page of the guide that greets a logged-in user, and how. */
  page: GuidePage;
  /** What the guide assumes is already there (a generated Next.js or Nest app); none for an empty folder. */
  scaffold?: (dir: string) => Promise<void>;
  startTimeoutMs?: number;
  needsCommonJs?: boolean;
}

async function devVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const version = manifest.devDependencies[name];
  if (!version) throw new Error(`${name} is not a devDependency`);
  return version;
}

async function writeFiles(dir: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/**
 * What `npx create-next-app@latest --ts --app --no-src-dir --import-alias "@/*"` leaves that the guide
 * relies on, with the versions this repository tests (already in the npm cache): the `@/` alias, a root layout.
 */
async function nextApp(dir: string) {
  await writeFiles(dir, {
    "package.json": JSON.stringify(
      {
        name: "next-site",
        private: true,
        scripts: { dev: "next dev", build: "next build", start: "next start" },
        dependencies: {
          next: await devVersion("next"),
          react: await devVersion("react"),
          "react-dom": await devVersion("react-dom"),
        },
        devDependencies: {
          typescript: await devVersion("typescript"),
          "@types/node": await devVersion("@types/node"),
          "@types/react": await devVersion("@types/react"),
        },
      },
      null,
      2,
    ),
    "tsconfig.json": JSON.stringify(
      {
        compilerOptions: {
          target: "ES2017",
          lib: ["dom", "dom.iterable", "esnext"],
          allowJs: true,
          skipLibCheck: true,
          strict: true,
          noEmit: true,
          esModuleInterop: true,
          module: "esnext",
          moduleResolution: "bundler",
          resolveJsonModule: true,
          isolatedModules: true,
          jsx: "react-jsx",
          incremental: true,
          plugins: [{ name: "next" }],
          paths: { "@/*": ["./*"] },
        },
        include: ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts"],
        exclude: ["node_modules"],
      },
      null,
      2,
    ),
    "app/layout.tsx": `export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
`,
  });
}

/** What `nest new` leaves that the guide relies on: a CommonJS TypeScript project with Nest's packages. */
async function nestApp(dir: string) {
  await writeFiles(dir, {
    "package.json": JSON.stringify(
      {
        name: "nest-site",
        private: true,
        scripts: { build: "tsc -p tsconfig.json", "start:prod": "node dist/main" },
        dependencies: {
          "@nestjs/common": "^11.0.0",
          "@nestjs/core": "^11.0.0",
          "@nestjs/platform-express": "^11.0.0",
          "reflect-metadata": "^0.2.0",
          rxjs: "^7.8.0",
        },
        devDependencies: {
          typescript: await devVersion("typescript"),
          "@types/node": await devVersion("@types/node"),
          "@types/express": await devVersion("@types/express"),
        },
      },
      null,
      2,
    ),
    "tsconfig.json": JSON.stringify(
      {
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          resolvePackageJsonExports: true,
          esModuleInterop: true,
          isolatedModules: true,
          declaration: true,
          removeComments: true,
          emitDecoratorMetadata: true,
          experimentalDecorators: true,
          allowSyntheticDefaultImports: true,
          target: "ES2023",
          sourceMap: true,
          outDir: "./dist",
          baseUrl: "./",
          incremental: true,
          skipLibCheck: true,
          strictNullChecks: true,
          forceConsistentCasingInFileNames: true,
          noImplicitAny: false,
        },
        include: ["src"],
      },
      null,
      2,
    ),
  });
}

export const GUIDE_PROJECTS: GuideProject[] = [
  {
    name: "Express (ES modules)",
    doc: "docs/frameworks/express.md",
    project: "express",
    page: { path: "/", greeting: "Hello " },
  },
  { name: "Koa", doc: "docs/frameworks/koa.md", project: "koa", page: { path: "/", greeting: "Hello " } },
  {
    name: "Fastify",
    doc: "docs/frameworks/fastify.md",
    project: "fastify",
    page: { path: "/", greeting: "Hello " },
  },
  { name: "Hono", doc: "docs/frameworks/hono.md", project: "hono", page: { path: "/", greeting: "Hello " } },
  {
    name: "node:http",
    doc: "docs/frameworks/node-http.md",
    project: "node-http",
    page: { path: "/", greeting: "Hello " },
  },
  {
    name: "Next.js (App Router, next dev)",
    doc: "docs/frameworks/next.md",
    project: "next",
    page: { path: "/profile", greeting: "Hello " },
    scaffold: nextApp,
    // next dev compiles each route on its first request.
    startTimeoutMs: 180_000,
  },
  {
    name: "Passport (Express, express-session)",
    doc: "docs/frameworks/passport.md",
    project: "passport",
    page: { path: "/", greeting: "Hello " },
  },
  {
    name: "Auth.js (@auth/express)",
    doc: "docs/frameworks/authjs.md",
    project: "authjs",
    page: {
      path: "/",
      greeting: "Hello ",
      returnTo: "/signin/wechat",
      signIn: authjsSignIn,
      takesTicket: true,
    },
  },
  {
    name: "better-auth (SQLite)",
    doc: "docs/frameworks/better-auth.md",
    project: "better-auth",
    page: {
      path: "/",
      greeting: "Hello ",
      returnTo: "/api/auth/wechat/callback?callbackURL=%2F",
      signIn: betterAuthSignIn,
    },
  },
  {
    name: "NestJS (CommonJS)",
    doc: "docs/frameworks/nestjs.md",
    project: "nestjs",
    page: { path: "/", greeting: "Hello " },
    scaffold: nestApp,
    needsCommonJs: true,
  },
];

/** What the Auth.js guide's /signin/wechat page does in a browser: Auth.js's CSRF token, then its form post. */
async function authjsSignIn(browser: CookieClient): Promise<void> {
  const page = await (await browser.request("/signin/wechat")).text();
  if (!page.includes('action="/api/auth/callback/wechat"')) throw new Error(`no sign-in form:\n${page}`);
  const { csrfToken } = (await (await browser.request("/api/auth/csrf")).json()) as { csrfToken: string };
  const signedIn = await browser.request("/api/auth/callback/wechat", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/" }).toString(),
  });
  if (signedIn.status !== 302 || /error=/.test(signedIn.headers.get("location") ?? "")) {
    throw new Error(`Auth.js sign-in failed: ${signedIn.status} ${signedIn.headers.get("location")}`);
  }
}

/** The better-auth guide's callback: the plugin opens better-auth's session and goes on to `/`. */
async function betterAuthSignIn(browser: CookieClient): Promise<void> {
  const signedIn = await browser.request("/api/auth/wechat/callback?callbackURL=%2F");
  if (signedIn.status !== 302 || signedIn.headers.get("location") !== "/") {
    throw new Error(`better-auth sign-in failed: ${signedIn.status} ${signedIn.headers.get("location")}`);
  }
}
