/** What scenario 8's child runs: the upstream alone, or the gateway beside its bare baseline. */
export type GatewayChildSpec = { role: "upstream" } | { role: "gateway"; emulator: string; upstream: string };
