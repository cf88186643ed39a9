import { redirectLocation } from "./apps.js";
import type { GrantScope } from "./grants.js";
import type { EmulatorState } from "./state.js";

/** A user's answer on the phone or consent page. */
export type Decision = "allow" | "deny";

export interface ConsentRequest {
  appid: string;
  userId: string;
  scope: GrantScope;
  redirectUri: string;
  state: string;
  decision: Decision;
}

/** Where the browser goes, and the code when the user allowed. */
export interface ConsentOutcome {
  code?: string;
  location: string;
}

/**
 * What happens when a user decides, wherever they decide (phone, consent
 * page, control API): consent issues a single-use code, refusal none (spec §2).
 */
export function decide(state: EmulatorState, request: ConsentRequest): ConsentOutcome {
  if (request.decision === "deny") return { location: redirectLocation(request.redirectUri, request.state) };
  const code = state.grants.issueCode(request.appid, request.userId, request.scope);
  return { code, location: redirectLocation(request.redirectUri, request.state, code) };
}
