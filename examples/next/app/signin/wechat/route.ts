// app/signin/wechat/route.ts: where the WeChat login returns to (/auth/login?returnTo=/signin/wechat).
// It signs this browser in to Auth.js from the login the flow completed. A GET, as the flow redirects here: it can
// only turn the browser's own WeChat login into the browser's own Auth.js session, so a link from elsewhere signs
// no one in as someone else.
import { AuthError } from "next-auth";
import { auth, signIn } from "../../../lib/auth";

export async function GET(request: Request): Promise<Response> {
  try {
    await signIn("wechat", { redirectTo: "/account" });
  } catch (error) {
    // signIn's redirect is thrown as well (Next.js's redirect()): answer Auth.js's refusal only. No WeChat login
    // completed in this browser, or its one-time ticket was already used.
    if (!(error instanceof AuthError)) throw error;
  }
  // Already signed in (WeChat's double callback sends the browser here again once the ticket is spent): go on.
  if ((await auth())?.user) return Response.redirect(new URL("/account", request.url), 303);
  return Response.json({ error: "not_logged_in" }, { status: 401 });
}

export const runtime = "nodejs";
