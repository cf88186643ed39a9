import type { LoginEvent } from "./config.js";
import type { FlowContext } from "./context.js";

/**
 * Asks the site's `onLogin` whether this login may go on, the one way every login does (website and
 * in-WeChat callbacks, follow-to-login, the mini program): a throw refuses it and is logged with its
 * message. Each caller answers the refusal in its own form (a page, or JSON).
 */
export async function admitLogin(ctx: FlowContext, event: LoginEvent): Promise<boolean> {
  if (!ctx.config.onLogin) return true;
  try {
    await ctx.config.onLogin(event);
    return true;
  } catch (error) {
    ctx.log?.warn(
      { event: "login_denied", userId: event.user.id, reason: error instanceof Error ? error.message : "" },
      "onLogin refused the login",
    );
    return false;
  }
}
