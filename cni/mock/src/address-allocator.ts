// Addresses of the node's pod CIDR, one per sandbox, as CNI's host-local IPAM hands them
// out: the network address, the gateway (.1) and the broadcast address are never given;
// the search for a free address starts after the last one given, so a released address
// is not reused at once (a stale peer still holding it then reaches nothing, not a new
// pod). Plain data in memory; each change is told to a listener (allocation-store.ts,
// which persists it).
import { InvalidRequestError } from "@k8ts/sdk/plugin";
import { PoolExhaustedError, UnknownSandboxError } from "./network-errors.js";
import {
  formatCidr,
  formatIpv4,
  isIpv6Cidr,
  parseIpv4,
  parseIpv4Cidr,
  type Ipv4Cidr,
} from "./ipv4.js";

export interface Allocation {
  readonly sandboxId: string;
  /** The pod's address, e.g. "10.244.1.5". */
  readonly address: string;
  readonly prefix: number;
  /** The CIDR it came from, e.g. "10.244.1.0/24". */
  readonly cidr: string;
  readonly gateway: string;
  readonly interfaceName: string;
}

export interface AllocatorState {
  readonly allocations: readonly Allocation[];
  /** Per CIDR, the last address handed out. */
  readonly lastAllocated: Readonly<Record<string, string>>;
}

/** A change of the allocations: a new allocation (its CIDR's last given), or a release. */
export type AllocationChange =
  | { readonly kind: "add"; readonly allocation: Allocation }
  | { readonly kind: "release"; readonly sandboxId: string };

export class AddressAllocator {
  private readonly bySandbox = new Map<string, Allocation>();
  private readonly used = new Set<string>();
  private readonly lastAllocated = new Map<string, number>();

  constructor(
    state: AllocatorState = { allocations: [], lastAllocated: {} },
    private readonly onChange: (change: AllocationChange) => void = () => undefined,
  ) {
    for (const a of state.allocations) {
      this.bySandbox.set(a.sandboxId, a);
      this.used.add(a.address);
    }
    for (const [cidr, address] of Object.entries(state.lastAllocated)) {
      const n = parseIpv4(address);
      if (n !== undefined) this.lastAllocated.set(cidr, n);
    }
  }

  /**
   * The sandbox's allocation: the one it has (Add is idempotent), or the next free
   * address of the first IPv4 CIDR of `podCidrs`. Throws InvalidRequestError or
   * PoolExhaustedError.
   */
  allocate(sandboxId: string, podCidrs: readonly string[], interfaceName: string): Allocation {
    if (sandboxId === "") throw new InvalidRequestError("sandbox_id", "is required");
    const cidr = firstIpv4Cidr(podCidrs);
    const existing = this.bySandbox.get(sandboxId);
    if (existing !== undefined) return existing;
    const cidrText = formatCidr(cidr);
    const first = cidr.network + 2; // after the network address and the gateway
    const last = cidr.network + cidr.size - 2; // before the broadcast address
    const count = last - first + 1;
    const previous = this.lastAllocated.get(cidrText);
    const start = previous === undefined || previous < first || previous > last ? last : previous;
    for (let i = 1; i <= count; i++) {
      const n = first + ((start - first + i) % count);
      const address = formatIpv4(n);
      if (this.used.has(address)) continue;
      const allocation: Allocation = {
        sandboxId,
        address,
        prefix: cidr.prefix,
        cidr: cidrText,
        gateway: formatIpv4(cidr.network + 1),
        interfaceName,
      };
      this.bySandbox.set(sandboxId, allocation);
      this.used.add(address);
      this.lastAllocated.set(cidrText, n);
      this.onChange({ kind: "add", allocation });
      return allocation;
    }
    throw new PoolExhaustedError(cidrText, this.bySandbox.size);
  }

  /** Throws UnknownSandboxError. */
  get(sandboxId: string): Allocation {
    const a = this.bySandbox.get(sandboxId);
    if (a === undefined) throw new UnknownSandboxError(sandboxId);
    return a;
  }

  /** Idempotent: false when the sandbox had nothing. */
  release(sandboxId: string): boolean {
    const a = this.bySandbox.get(sandboxId);
    if (a === undefined) return false;
    this.bySandbox.delete(sandboxId);
    this.used.delete(a.address);
    this.onChange({ kind: "release", sandboxId });
    return true;
  }

  /** Releases every sandbox not in `valid`; returns the released ids, sorted. */
  gc(valid: Iterable<string>): string[] {
    const keep = new Set(valid);
    const released = [...this.bySandbox.keys()].filter((id) => !keep.has(id)).sort();
    for (const id of released) this.release(id);
    return released;
  }

  get size(): number {
    return this.bySandbox.size;
  }

  state(): AllocatorState {
    const lastAllocated: Record<string, string> = {};
    for (const [cidr, n] of this.lastAllocated) lastAllocated[cidr] = formatIpv4(n);
    return { allocations: [...this.bySandbox.values()], lastAllocated };
  }
}

/** The first IPv4 CIDR of the node's pod CIDRs; throws InvalidRequestError. */
function firstIpv4Cidr(podCidrs: readonly string[]): Ipv4Cidr {
  if (podCidrs.length === 0) throw new InvalidRequestError("pod_cidrs", "is required");
  for (const [i, text] of podCidrs.entries()) {
    if (isIpv6Cidr(text)) continue;
    const cidr = parseIpv4Cidr(text);
    if (cidr === undefined)
      throw new InvalidRequestError(`pod_cidrs[${i}]`, `${JSON.stringify(text)} is not a CIDR`);
    if (cidr.prefix > 30)
      throw new InvalidRequestError(
        `pod_cidrs[${i}]`,
        `${text} has no address for pods (at most /30: network, gateway and broadcast are not given out)`,
      );
    return cidr;
  }
  throw new InvalidRequestError("pod_cidrs", `no IPv4 CIDR in ${JSON.stringify(podCidrs)}`);
}
