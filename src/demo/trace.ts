import type { LoginFlowEvent } from "../flow/index.js";

const MAX_LOGINS = 200;

/**
 * The steps of recent logins, fed by the flow's `onEvent`, for the profile
 * page's "what just happened". In memory and bounded: a demo's memory.
 */
export class LoginTraces {
  readonly #steps = new Map<string, LoginFlowEvent[]>();
  readonly #latestOfUser = new Map<string, string>();

  /** Pass as `onEvent` to `createLogin`. */
  readonly record = (event: LoginFlowEvent): void => {
    const steps = this.#steps.get(event.loginId) ?? [];
    if (steps.length === 0) {
      this.#steps.set(event.loginId, steps);
      // Maps iterate in insertion order: the first key is the oldest login.
      if (this.#steps.size > MAX_LOGINS) this.#steps.delete(this.#steps.keys().next().value!);
    }
    steps.push(event);
    if (event.type === "login_completed") this.#latestOfUser.set(event.userId, event.loginId);
  };

  /** The steps of `userId`'s latest completed login, oldest first. */
  latestOf(userId: string): readonly LoginFlowEvent[] {
    const loginId = this.#latestOfUser.get(userId);
    return (loginId && this.#steps.get(loginId)) || [];
  }
}
