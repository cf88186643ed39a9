// app/api/auth/[...nextauth]/route.ts: Auth.js's own routes (/api/auth/session, /api/auth/signout, ...).
import { handlers } from "../../../../lib/auth";

export const { GET, POST } = handlers;
// The WeChat provider reads the login's store (SQLite here): Node, not the edge runtime.
export const runtime = "nodejs";
