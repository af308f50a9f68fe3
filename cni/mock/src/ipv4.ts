// IPv4 addresses as 32-bit numbers, and CIDRs ("10.244.1.0/24") as ranges of them.

export interface Ipv4Cidr {
  /** The network address (host bits zero). */
  readonly network: number;
  readonly prefix: number;
  /** Number of addresses in the range, network and broadcast included. */
  readonly size: number;
}

/** "10.0.0.1" -> number; undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** "10.244.1.0/24" -> range (host bits are cleared); undefined when it is not one. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (m === null) return undefined;
  const address = parseIpv4(m[1] ?? "");
  const prefix = Number(m[2]);
  if (address === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { network: address - (address % size), prefix, size };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** Whether `text` looks like an IPv6 CIDR (skipped: the mock hands out IPv4 only). */
export function isIpv6Cidr(text: string): boolean {
  return /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\/\d{1,3}$/.test(text);
}
