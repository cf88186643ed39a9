import type { UserInfo } from "../protocol/schemas.js";
import type { LinkIdentityResult } from "../stores/types.js";
import type { LoginEvent } from "./config.js";
import type { FlowContext } from "./context.js";

/**
 * Asks the site's `onLogin` whether this login may go on, the one way every login does (website and
 * in-WeChat callbacks, follow-to-login, the mini program): a throw refuses it and is logged with its
 * message. Each caller answers the refusal in its own form (a page, or JSON).
 */
export async function admitLogin(
  ctx: FlowContext,
  linked: LinkIdentityResult,
  profile: UserInfo | undefined,
  request: Request,
): Promise<boolean> {
  const { onLogin } = ctx.config;
  if (!onLogin) return true;
  // Made only for a hook that reads it: a spread per login showed in the callback's profile.
  const event: LoginEvent = {
    user: linked.user,
    identity: linked.identity,
    created: linked.created,
    profile,
    request,
  };
  try {
    await onLogin(event);
    return true;
  } catch (error) {
    ctx.log?.warn(
      { event: "login_denied", userId: linked.user.id, reason: error instanceof Error ? error.message : "" },
      "onLogin refused the login",
    );
    return false;
  }
}
