/**
 * A local WeChat for development and tests: the OPEN pages (QR login, in-WeChat
 * authorization), the API JSON endpoints, a phone page and a control API.
 * @packageDocumentation
 */
export { createEmulatorApp, type EmulatorHonoApp } from "./app.js";
export {
  type AppKind,
  type EmulatorApp,
  type EmulatorConfig,
  EmulatorConfigError,
  type EmulatorConfigInput,
  type EmulatorUser,
  loadEmulatorConfigFile,
  parseEmulatorConfig,
} from "./config.js";
export { DEFAULT_CONFIG, DEFAULT_OPEN_ACCOUNT } from "./defaults.js";
export { FAULT_KINDS, type FaultInput, type FaultKind } from "./faults.js";
export {
  EmulatorProxyError,
  type EmulatorProxyInfo,
  type EmulatorProxyOptions,
  type EmulatorProxyProblem,
} from "./proxy/options.js";
export type { RequestLogEntry } from "./request-log.js";
export { type RunningEmulator, type StartEmulatorOptions, startEmulator } from "./server.js";
export type { ConnectionCounts, EmulatorState, EmulatorStateOptions } from "./state.js";
export type { QrTicket, TicketStatus } from "./tickets.js";
