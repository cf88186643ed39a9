// app/me/route.ts: the app's own API, answering only for a logged-in user.
import { getSession } from "wechat-login/adapters/next";
import { login } from "../../lib/login";

export async function GET(request: Request): Promise<Response> {
  const session = await getSession(login, request);
  if (!session) return Response.json({ error: "not_logged_in" }, { status: 401 });
  return Response.json(session.user);
}

export const runtime = "nodejs";
