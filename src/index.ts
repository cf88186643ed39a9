/**
 * `wechat-login`: the login flow and the protocol's data. Both modules are
 * explicit export lists (flow/index.ts, protocol/index.ts): that is the
 * public surface, and nothing else of theirs is.
 */
export * from "./flow/index.js";
export * from "./protocol/index.js";
