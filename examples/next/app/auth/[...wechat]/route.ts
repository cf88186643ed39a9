// app/auth/[...wechat]/route.ts: serves /auth/login, /auth/callback, /auth/session, /auth/logout and /auth/qr.
import { loginRoutes } from "wechat-login/adapters/next";
// In a Next.js app this is usually `import { login } from "@/lib/login";`.
import { login } from "../../../lib/login";

export const { GET, HEAD, POST } = loginRoutes(login);
// The SQLite store and the WeChat client's connection pools need Node, not the edge runtime.
export const runtime = "nodejs";
