// app/account/route.ts: a route that answers from Auth.js's session, as the rest of an Auth.js app would.
import { auth } from "../../lib/auth";

export async function GET(): Promise<Response> {
  const session = await auth();
  if (!session?.user) return Response.json({ error: "not_logged_in" }, { status: 401 });
  return Response.json(session.user);
}

export const runtime = "nodejs";
