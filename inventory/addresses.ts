import ipaddr from "ipaddr.js";

/** An inclusive range of IPv4 addresses as 32-bit integers, so overlap is plain comparison. */
export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

export function isIPv4Address(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** A CIDR is canonical when its host bits are zero: `10.20.0.0/24`, not `10.20.0.5/24`. */
export function isCanonicalCidr(text: string): boolean {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return false;
  const [address] = text.split("/");
  return ipaddr.IPv4.networkAddressFromCIDR(text).toString() === address;
}

export function isIPv4Cidr(text: string): boolean {
  return ipaddr.IPv4.isValidCIDRFourPartDecimal(text);
}

/** The network address of a CIDR, for suggesting the canonical form of a mistyped one. */
export function networkOf(cidr: string): string {
  const [, prefix] = cidr.split("/");
  return `${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${prefix}`;
}

export function toNumber(address: string): number {
  return ipaddr.IPv4.parse(address).octets.reduce((n, octet) => n * 256 + octet, 0);
}

export function fromNumber(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export function cidrRange(cidr: string): AddressRange {
  return {
    first: toNumber(ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()),
    last: toNumber(ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString()),
  };
}

/**
 * A MetalLB pool entry is either a CIDR or an explicit `first-last` range; both become one range.
 * Returns undefined when the text is neither.
 */
export function poolEntryRange(entry: string): AddressRange | undefined {
  if (isIPv4Cidr(entry)) return cidrRange(entry);
  const parts = entry.split("-").map((part) => part.trim());
  if (parts.length !== 2 || !parts.every(isIPv4Address)) return undefined;
  const [first, last] = parts.map(toNumber);
  return first <= last ? { first, last } : undefined;
}

export function rangeSize(range: AddressRange): number {
  return range.last - range.first + 1;
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function rangeContains(outer: AddressRange, inner: AddressRange): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function rangeHas(range: AddressRange, address: string): boolean {
  const n = toNumber(address);
  return range.first <= n && n <= range.last;
}

export function formatRange(range: AddressRange): string {
  return range.first === range.last
    ? fromNumber(range.first)
    : `${fromNumber(range.first)}-${fromNumber(range.last)}`;
}
