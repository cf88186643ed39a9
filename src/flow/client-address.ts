import proxyAddr from "@fastify/proxy-addr";
import ipaddr from "ipaddr.js";

/**
 * Which proxies in front of the app to believe about the client (the
 * `trustProxy` option): `false` (default) believes none; a number trusts that
 * many hops nearest the app (1 = one nginx or load balancer); addresses, CIDR
 * ranges or the names `"loopback"`, `"linklocal"`, `"uniquelocal"` (an array
 * or a comma-separated string) trust proxies whose own address matches.
 */
export type TrustProxy = false | number | string | readonly string[];

/** A compiled {@link TrustProxy}: the one place that decides what `X-Forwarded-*` headers are worth. */
export interface ProxyTrust {
  /**
   * True when the peer that sent the request (the socket's address, or no
   * address where the runtime hides it) is a trusted proxy, so its
   * `X-Forwarded-Proto` and `X-Forwarded-For` are believed.
   */
  trustsPeer(peer: string | undefined): boolean;
  /**
   * The client's address: the peer's, or with trusted proxies the
   * `X-Forwarded-For` entry read right to left past every trusted hop.
   * Undefined when nothing names a client.
   */
  clientAddress(peer: string | undefined, forwardedFor: string | null): string | undefined;
}

type TrustFunction = (address: string | undefined, hop: number) => boolean;

/**
 * Compiles a `trustProxy` setting with @fastify/proxy-addr (proxy-addr, as
 * Express and Fastify use it).
 * @throws TypeError for an entry that is not an IP address, CIDR range or range name.
 */
export function proxyTrust(setting: TrustProxy): ProxyTrust {
  const trust = compile(setting);
  // Asked on every request (the gateway asks two or three times), and proxy-addr parses the address each time:
  // the answer for an address never changes, and a server sees few peers (its proxies, or a bounded set of clients).
  const peers = new Map<string, boolean>();
  const trustsPeer = (peer: string | undefined): boolean => {
    if (peer === undefined) return trust(peer, 0);
    let trusted = peers.get(peer);
    if (trusted === undefined) {
      trusted = trust(peer, 0);
      if (peers.size >= 1024) peers.clear();
      peers.set(peer, trusted);
    }
    return trusted;
  };
  return {
    trustsPeer,
    clientAddress(peer, forwardedFor) {
      if (!trustsPeer(peer)) return peer;
      // proxy-addr walks [peer, ...X-Forwarded-For right to left] and stops at the first hop it does not trust.
      const request = { headers: { "x-forwarded-for": forwardedFor ?? "" }, socket: { remoteAddress: peer } };
      const found = proxyAddr(request as unknown as Parameters<typeof proxyAddr>[0], trust as TrustFunction);
      return found || undefined;
    },
  };
}

function compile(setting: TrustProxy): TrustFunction {
  if (setting === false || setting === 0) return () => false;
  // A hop count trusts the peer even where the runtime does not show it (Next.js): it is the nearest hop.
  if (typeof setting === "number") return (_address, hop) => hop < setting;
  const entries = typeof setting === "string" ? setting.split(",") : [...setting];
  const matches = proxyAddr.compile(entries.map((entry) => entry.trim()).filter((entry) => entry !== ""));
  return (address) => address !== undefined && matches(address, 0);
}

/**
 * The key a client is counted under: its IPv4 address, or its IPv6 /64 (one
 * household or host usually holds a whole /64 and can pick any address in it).
 * `"unknown"` when no valid address is known, so such requests share one count
 * instead of escaping the limit.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return "unknown";
  // Asked for every counted request, and ipaddr parses the address twice: a server sees a bounded set of clients.
  let key = clientKeys.get(address);
  if (key === undefined) {
    key = keyOf(address);
    if (clientKeys.size >= 1024) clientKeys.clear();
    clientKeys.set(address, key);
  }
  return key;
}

const clientKeys = new Map<string, string>();

function keyOf(address: string): string {
  if (!ipaddr.isValid(address)) return "unknown";
  const ip = ipaddr.process(address);
  if (ip.kind() === "ipv4") return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(":")}::/64`;
}
