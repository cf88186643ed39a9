export * from "./decode.js";
export * from "./errcodes.js";
export * from "./errors.js";
export * from "./hosts.js";
export * from "./miniprogram.js";
export * from "./open-data.js";
export type * from "./records.js";
export * from "./schemas.js";
export * from "./urls.js";
