/**
 * @module A client's network origin: the IPv4 /24 or IPv6 /48 its requests come from. The
 * coordinator treats replicas from one origin as one source (they may be one person's
 * identities), and identity creation is bounded per origin. The address is the socket's, or
 * the forwarded one only when the socket is a proxy the operator named (`TRUST_PROXY`).
 * Requests without a socket (tests driving the app in-process) have no origin.
 */
import { isIP } from 'node:net';
import type { Context } from 'hono';

/**
 * Bits of an IPv4 address that name one origin: a /24 is what one home or office network
 * (or one cheap server block) usually holds.
 */
export const ORIGIN_IPV4_PREFIX_BITS = 24;
/** Bits of an IPv6 address that name one origin: /48 is the usual allocation to one site (RFC 6177). */
export const ORIGIN_IPV6_PREFIX_BITS = 48;
/** Addresses read from one X-Forwarded-For header, so a crafted header costs bounded work. */
const FORWARDED_ADDRESSES_MAX = 32;

/** The socket's peer address (Node server), or `undefined` in-process. */
function socketAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; server?: { incoming?: { socket?: { remoteAddress?: string } } } } | undefined;
  return (env?.server ?? env)?.incoming?.socket?.remoteAddress;
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) → `1.2.3.4`. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** Expands an IPv6 address to its eight 16-bit groups. */
function ipv6Groups(address: string): number[] | undefined {
  const [head, tail, extra] = address.split('::');
  if (extra !== undefined) return undefined;
  const parse = (s: string | undefined) => (s ? s.split(':') : []);
  let left = parse(head);
  let right = parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4 style outside the mapped range) is two groups.
  const fix = (parts: string[]) => parts.flatMap((p) => (p.includes('.') ? v4Groups(p) : [p]));
  left = fix(left);
  right = fix(right);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array.from({ length: tail === undefined ? 0 : missing }, () => '0'), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function v4Groups(v4: string): string[] {
  const b = v4.split('.').map(Number);
  return [((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16)];
}

/**
 * The origin an address belongs to, e.g. `203.0.113.0/24` or `2001:db8:42::/48`; `undefined`
 * for something that is not an IP address.
 * @example
 * originOf('203.0.113.7') // '203.0.113.0/24'
 */
export function originOf(address: string): string | undefined {
  const a = unmapped(address.trim());
  const family = isIP(a);
  if (family === 4) {
    const b = a.split('.').map(Number);
    return `${b[0]}.${b[1]}.${b[2]}.0/${ORIGIN_IPV4_PREFIX_BITS}`;
  }
  if (family === 6) {
    const g = ipv6Groups(a.split('%')[0]!);
    if (!g) return undefined;
    return `${g.slice(0, ORIGIN_IPV6_PREFIX_BITS / 16).map((x) => x.toString(16)).join(':')}::/${ORIGIN_IPV6_PREFIX_BITS}`;
  }
  return undefined;
}

/**
 * Parses `TRUST_PROXY`: comma-separated addresses of the proxies whose `X-Forwarded-For` is
 * believed. Empty or unset: none (the socket's address is the client's).
 */
export function parseTrustedProxies(value: string | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  for (const part of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    if (isIP(unmapped(part)) === 0) throw new Error(`TRUST_PROXY must list IP addresses of proxies, got '${part}'`);
    out.add(unmapped(part));
  }
  return out;
}

/**
 * The client's address: the socket's, or, when the socket is a trusted proxy, the nearest
 * address in `X-Forwarded-For` that is not itself a trusted proxy (the rightmost ones were
 * appended by proxies we trust; anything left of the first untrusted hop is the client's word).
 */
export function clientAddress(c: Context, trustedProxies: ReadonlySet<string>): string | undefined {
  const socket = socketAddress(c);
  if (socket === undefined) return undefined;
  const peer = unmapped(socket);
  if (!trustedProxies.has(peer)) return peer;
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => unmapped(h.trim())).filter(Boolean).slice(-FORWARDED_ADDRESSES_MAX);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trustedProxies.has(hops[i]!)) return isIP(hops[i]!) ? hops[i] : peer;
  }
  return peer;
}

/** The client's network origin (see {@link originOf}), or `undefined` when it has no socket. */
export function clientOrigin(c: Context, trustedProxies: ReadonlySet<string>): string | undefined {
  const address = clientAddress(c, trustedProxies);
  return address === undefined ? undefined : originOf(address);
}
