/**
 * The store contract and `storeFromUrl`. Each store also has its own entry
 * point (`wechat-login/stores/memory`, `…/sqlite`, `…/redis`, `…/postgres`).
 */
export { StoreError } from "./errors.js";
export { storeFromUrl } from "./from-url.js";
export type * from "./types.js";
