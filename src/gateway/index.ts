export { classify, type RequestKind } from "./classify.js";
export { caddyConfig, type FrontProxySettings, nginxConfig, traefikConfig } from "./configs.js";
export {
  type AuthAnswer,
  createGateway,
  type Decision,
  type Gateway,
  type GatewayError,
  type GatewayOptions,
  type OriginalRequest,
  storeProblem,
} from "./gateway.js";
export { type GatewayIdentity, IDENTITY_HEADERS, identityHeaders, isIdentityHeader } from "./identity.js";
export { GatewayMetrics, type GatewayMode } from "./metrics.js";
export {
  type DenyReason,
  isPublic,
  judge,
  normalisedPath,
  type Policy,
  type PublicRoute,
  parsePublicRoute,
} from "./policy.js";
export { parseRoster, type Roster, type RosterEntry } from "./roster.js";
export { type GatewaySettings, type RunningGateway, startGateway } from "./run.js";
export {
  createGatewayServer,
  type GatewayHttpServer,
  type GatewayServerOptions,
  type RouteGroups,
} from "./server.js";
