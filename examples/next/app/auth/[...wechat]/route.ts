// app/auth/[...wechat]/route.ts: serves /auth/login, /auth/callback, /auth/session, /auth/logout and /auth/qr.
import { nextRouteHandlers } from "wechat-login/adapters/next";
import { login } from "../../../lib/login.js";

export const { GET, HEAD, POST } = nextRouteHandlers(login);
