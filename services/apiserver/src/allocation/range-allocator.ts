// Unique allocation of values from a range (Service ClusterIPs from --service-cidr,
// NodePorts from --service-node-port-range), safe across apiservers and restarts: each
// allocated value is a key in the store, created conditionally, so two apiservers can
// never hand out the same value and nothing is lost when one restarts. The in-memory set
// only speeds up picking a free candidate.
import { randomInt } from "node:crypto";
import { KeyExistsError, KeyNotFoundError } from "../storage/errors.js";
import type { Store } from "../storage/store.js";
import { REGISTRY_PREFIX } from "../registry/keys.js";

export class RangeFullError extends Error {
  constructor(what: string) {
    super(`no ${what} left to allocate`);
    this.name = "RangeFullError";
  }
}

export class AlreadyAllocatedError extends Error {
  constructor(
    readonly value: string,
    what: string,
  ) {
    super(`${what} ${value} is already allocated`);
    this.name = "AlreadyAllocatedError";
  }
}

export interface Range {
  /** What the values are, for messages: "ClusterIP", "NodePort". */
  readonly what: string;
  /** Store key segment: /registry/ranges/<name>/<value>. */
  readonly name: string;
  readonly size: number;
  /** The i-th value of the range, 0 <= i < size. */
  valueAt(index: number): string;
  /** The index of a value, or undefined when it is outside the range. */
  indexOf(value: string): number | undefined;
}

export class RangeAllocator {
  private readonly used = new Set<number>();
  private readonly prefix: string;

  constructor(
    private readonly store: Store,
    readonly range: Range,
  ) {
    this.prefix = `${REGISTRY_PREFIX}ranges/${range.name}/`;
  }

  /** Loads what is allocated; returns the allocated values (for the repair pass). */
  async load(): Promise<string[]> {
    this.used.clear();
    const scan = await this.store.scan({ prefix: this.prefix });
    const values: string[] = [];
    for (const kv of scan.items) {
      const value = kv.key.slice(this.prefix.length);
      const i = this.range.indexOf(value);
      if (i !== undefined) this.used.add(i);
      values.push(value);
    }
    return values;
  }

  /** Allocates a specific value (a user asked for it); AlreadyAllocatedError if taken. */
  async allocate(value: string, owner: string): Promise<void> {
    const i = this.range.indexOf(value);
    if (i === undefined) throw new RangeError(`${value} is not in the ${this.range.what} range`);
    try {
      await this.store.create(this.prefix + value, Buffer.from(owner));
    } catch (e) {
      if (e instanceof KeyExistsError) {
        this.used.add(i);
        throw new AlreadyAllocatedError(value, this.range.what);
      }
      throw e;
    }
    this.used.add(i);
  }

  /** Allocates any free value. */
  async allocateNext(owner: string): Promise<string> {
    const size = this.range.size;
    if (size <= 0) throw new RangeFullError(this.range.what);
    // Random start, then a scan: random picks spread values; the scan finds the last free
    // ones in a nearly full range.
    const start = randomInt(size);
    for (let step = 0; step < size; step++) {
      const i = (start + step) % size;
      if (this.used.has(i)) continue;
      const value = this.range.valueAt(i);
      try {
        await this.store.create(this.prefix + value, Buffer.from(owner));
        this.used.add(i);
        return value;
      } catch (e) {
        if (!(e instanceof KeyExistsError)) throw e;
        this.used.add(i); // another apiserver took it
      }
    }
    throw new RangeFullError(this.range.what);
  }

  /** A value that is free now, without reserving it (dry runs). */
  peekFree(): string {
    for (let i = 0; i < this.range.size; i++) if (!this.used.has(i)) return this.range.valueAt(i);
    throw new RangeFullError(this.range.what);
  }

  /** Releases a value; releasing a free value is fine. */
  async release(value: string): Promise<void> {
    const i = this.range.indexOf(value);
    try {
      await this.store.delete(this.prefix + value);
    } catch (e) {
      if (!(e instanceof KeyNotFoundError)) throw e;
    }
    if (i !== undefined) this.used.delete(i);
  }

  isAllocated(value: string): boolean {
    const i = this.range.indexOf(value);
    return i !== undefined && this.used.has(i);
  }
}

/** IPv4 addresses of a CIDR, without the network and broadcast addresses. */
export function ipv4Range(cidr: string, name: string, what: string): Range {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (m === null) throw new RangeError(`${cidr} is not an IPv4 CIDR`);
  const bits = Number(m[5]);
  if (bits < 8 || bits > 30) throw new RangeError(`${cidr}: the prefix must be between /8 and /30`);
  const octets = [m[1], m[2], m[3], m[4]].map(Number);
  if (octets.some((o) => o > 255)) throw new RangeError(`${cidr} is not an IPv4 CIDR`);
  const base =
    (((octets[0] ?? 0) << 24) >>> 0) +
    ((octets[1] ?? 0) << 16) +
    ((octets[2] ?? 0) << 8) +
    (octets[3] ?? 0);
  const hostBits = 32 - bits;
  const network = hostBits === 32 ? 0 : ((base >>> hostBits) << hostBits) >>> 0;
  const size = 2 ** hostBits - 2;
  const toText = (n: number): string =>
    [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  const toNumber = (ip: string): number | undefined => {
    const p = ip.split(".").map(Number);
    if (p.length !== 4 || p.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
    return (((p[0] ?? 0) << 24) >>> 0) + ((p[1] ?? 0) << 16) + ((p[2] ?? 0) << 8) + (p[3] ?? 0);
  };
  return {
    what,
    name,
    size,
    valueAt: (i) => toText(network + 1 + i),
    indexOf: (value) => {
      const n = toNumber(value);
      if (n === undefined) return undefined;
      const i = n - network - 1;
      return i >= 0 && i < size ? i : undefined;
    },
  };
}

/** Ports from..to inclusive, e.g. 30000-32767. */
export function portRange(spec: string, name: string, what: string): Range {
  const m = /^(\d+)-(\d+)$/.exec(spec);
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (m === null || from < 1 || to > 65535 || from > to)
    throw new RangeError(`${spec} is not a port range like 30000-32767`);
  return {
    what,
    name,
    size: to - from + 1,
    valueAt: (i) => String(from + i),
    indexOf: (value) => {
      const n = Number(value);
      return /^\d+$/.test(value) && n >= from && n <= to ? n - from : undefined;
    },
  };
}
