// Which IP addresses the image fetcher may connect to. The production policy denies everything
// that is not ordinary public unicast: private, loopback, link-local (cloud metadata),
// CGNAT, multicast, reserved and documentation ranges, and IPv6 forms that embed or translate
// to a denied IPv4 address (IPv4-mapped, NAT64, 6to4) or that tunnel opaquely (Teredo).
import { isIPv4, isIPv6 } from "node:net";

export type AddressDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Decides whether a connection to `address` (an IPv4 or IPv6 literal) is allowed. */
export type AddressPolicy = (address: string) => AddressDecision;

const ALLOW: AddressDecision = { allowed: true };
const deny = (reason: string): AddressDecision => ({ allowed: false, reason });

/** Parses an IP literal (brackets and an IPv6 zone id are tolerated) into its bytes. */
export function parseIp(text: string): Uint8Array | undefined {
  let s = text.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone !== -1) s = s.slice(0, zone);
  if (isIPv4(s)) return Uint8Array.from(s.split(".").map(Number));
  if (!isIPv6(s)) return undefined;

  let hextets: number[];
  let tail = s;
  const v4Tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    if (!isIPv4(maybeV4)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = maybeV4.split(".").map(Number);
    v4Tail.push((a << 8) | b, (c << 8) | d);
    tail = s.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::", "a::1.2.3.4" leaves "a::", "a:b:...:f:1.2.3.4" leaves "...f:".
    if (tail.endsWith(":") && !tail.endsWith("::")) tail = tail.slice(0, -1);
  }
  const parseGroup = (g: string): number[] =>
    g === "" ? [] : g.split(":").map((h) => Number.parseInt(h, 16));
  const doubleColon = tail.indexOf("::");
  if (doubleColon === -1) {
    hextets = [...parseGroup(tail), ...v4Tail];
  } else {
    const head = parseGroup(tail.slice(0, doubleColon));
    const rest = [...parseGroup(tail.slice(doubleColon + 2)), ...v4Tail];
    const zeros = 8 - head.length - rest.length;
    if (zeros < 0) return undefined;
    hextets = [...head, ...(new Array(zeros).fill(0) as number[]), ...rest];
  }
  if (hextets.length !== 8 || hextets.some((h) => !Number.isInteger(h) || h < 0 || h > 0xffff)) {
    return undefined;
  }
  const bytes = new Uint8Array(16);
  hextets.forEach((h, i) => {
    bytes[2 * i] = h >> 8;
    bytes[2 * i + 1] = h & 0xff;
  });
  return bytes;
}

/** True when the first `bits` bits of `bytes` equal those of `prefix`. */
function inPrefix(bytes: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

const V4_DENY: readonly (readonly [readonly number[], number, string])[] = [
  [[0, 0, 0, 0], 8, "'this network' (0.0.0.0/8)"],
  [[10, 0, 0, 0], 8, "private (10.0.0.0/8)"],
  [[100, 64, 0, 0], 10, "carrier-grade NAT (100.64.0.0/10)"],
  [[127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"],
  [[169, 254, 0, 0], 16, "link-local / cloud metadata (169.254.0.0/16)"],
  [[172, 16, 0, 0], 12, "private (172.16.0.0/12)"],
  [[192, 0, 0, 0], 24, "IETF protocol assignments (192.0.0.0/24)"],
  [[192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"],
  [[192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99.0/24)"],
  [[192, 168, 0, 0], 16, "private (192.168.0.0/16)"],
  [[198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"],
  [[198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"],
  [[203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"],
  [[224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"],
  [[240, 0, 0, 0], 4, "reserved / broadcast (240.0.0.0/4)"],
];

function checkV4(bytes: Uint8Array): AddressDecision {
  for (const [prefix, bits, reason] of V4_DENY) {
    if (inPrefix(bytes, prefix, bits)) return deny(reason);
  }
  return ALLOW;
}

const hex = (...hextets: number[]): number[] => hextets.flatMap((h) => [h >> 8, h & 0xff]);

/** IPv6 ranges whose last 32 bits (or bits 16..48 for 6to4) are an IPv4 address to re-check. */
const V6_EMBEDDING: readonly (readonly [readonly number[], number, string, number])[] = [
  [hex(0, 0, 0, 0, 0, 0xffff), 96, "IPv4-mapped", 12],
  [hex(0, 0, 0, 0, 0xffff, 0), 96, "IPv4-translated", 12],
  [hex(0x64, 0xff9b), 96, "NAT64", 12],
  [hex(0x2002), 16, "6to4", 2],
];

const V6_DENY: readonly (readonly [readonly number[], number, string])[] = [
  [hex(0, 0, 0, 0, 0, 0, 0, 0), 128, "unspecified (::)"],
  [hex(0, 0, 0, 0, 0, 0, 0, 1), 128, "loopback (::1)"],
  [hex(0), 96, "IPv4-compatible (::/96, deprecated)"],
  [hex(0x64, 0xff9b, 1), 48, "local-use NAT64 (64:ff9b:1::/48)"],
  [hex(0x100), 64, "discard-only (100::/64)"],
  [hex(0x2001, 0), 32, "Teredo (2001::/32)"],
  [hex(0x2001, 0xdb8), 32, "documentation (2001:db8::/32)"],
  [hex(0x2001), 23, "IETF protocol assignments (2001::/23)"],
  [hex(0x3fff), 20, "documentation (3fff::/20)"],
  [hex(0xfc00), 7, "unique local (fc00::/7)"],
  [hex(0xfe80), 10, "link-local (fe80::/10)"],
  [hex(0xfec0), 10, "site-local (fec0::/10)"],
  [hex(0xff00), 8, "multicast (ff00::/8)"],
];

function checkV6(bytes: Uint8Array): AddressDecision {
  for (const [prefix, bits, label, offset] of V6_EMBEDDING) {
    if (!inPrefix(bytes, prefix, bits)) continue;
    const inner = checkV4(bytes.subarray(offset, offset + 4));
    return inner.allowed ? ALLOW : deny(`${label} form of ${inner.reason}`);
  }
  for (const [prefix, bits, reason] of V6_DENY) {
    if (inPrefix(bytes, prefix, bits)) return deny(reason);
  }
  // Everything outside global unicast (2000::/3) is reserved or special-purpose.
  if (!inPrefix(bytes, hex(0x2000), 3)) return deny("reserved IPv6 range (outside 2000::/3)");
  return ALLOW;
}

/** The policy used in production: only public unicast addresses. */
export const publicAddressPolicy: AddressPolicy = (address) => {
  const bytes = parseIp(address);
  if (bytes === undefined) return deny("not an IP address");
  return bytes.length === 4 ? checkV4(bytes) : checkV6(bytes);
};
