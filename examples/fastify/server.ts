// Fastify site with "Log in with WeChat". Run: WECHAT_APPID=… WECHAT_SECRET=… SESSION_SECRET=… npx tsx server.ts
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { createLogin, type Login } from "wechat-login";
import { getSession, loginRoutes, requireSession } from "wechat-login/adapters/fastify";
import { sqliteStore } from "wechat-login/stores/sqlite";

// WeChat nicknames are user input: escape them in HTML.
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function start({ port, login }: { port: number; login: Login }) {
  const app = Fastify();
  await app.register(loginRoutes(login));
  app.get("/", async (request, reply) => {
    const session = await getSession(login, request);
    return reply
      .type("text/html; charset=utf-8")
      .send(
        session
          ? `Hello ${escapeHtml(session.user.nickname)} <form method="post" action="/auth/logout"><button>Log out</button></form>`
          : `<a href="/auth/login?returnTo=/">Log in with WeChat</a>`,
      );
  });
  app.get("/me", { preHandler: requireSession(login) }, async (request) => request.wechatSession?.user);
  // The app's own JSON routes keep Fastify's parser: the plugin's raw parser is encapsulated.
  app.post("/echo", async (request) => request.body);
  await app.listen({ port });
  return { url: `http://localhost:${port}`, close: () => app.close() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const port = Number(env.PORT ?? 3000);
  const login = createLogin({
    appid: env.WECHAT_APPID ?? "",
    secret: env.WECHAT_SECRET ?? "",
    redirectUri: env.WECHAT_REDIRECT_URI ?? `http://localhost:${port}/auth/callback`,
    sessionSecret: env.SESSION_SECRET ?? "",
    openBase: env.WECHAT_OPEN_BASE,
    apiBase: env.WECHAT_API_BASE,
    store: await sqliteStore({ filename: "./data/login.db" }),
  });
  console.log(`Listening on ${(await start({ port, login })).url}`);
}
