// Whether a node's kubelet is alive, judged by its Lease in kube-node-lease: by the local
// monotonic time at which this controller saw the Lease's resourceVersion change, never by
// comparing the Lease's renewTime with our own clock (clocks of machines differ). A node
// without a Lease is judged from when the controller first saw the node, with the longer
// startup grace. A fresh tracker (a new leadership term) gives every node a full grace.
import type { Clock } from "@k8ts/sdk";

export interface NodeLeaseTrackerOptions {
  /** A Lease unchanged for longer than this means the node is unreachable. */
  readonly gracePeriodMs: number;
  /** A node that never had a Lease is unreachable after this long. */
  readonly startupGracePeriodMs: number;
}

export type LeaseVerdict = "fresh" | "expired";

interface Seen {
  readonly version: string;
  at: number;
}

export class NodeLeaseTracker {
  private readonly leases = new Map<string, Seen>();
  private readonly nodesSeen = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly options: NodeLeaseTrackerOptions,
  ) {}

  /**
   * Notes what the cache shows of the node's Lease now (its resourceVersion, or undefined
   * when there is none) and judges the node.
   */
  observe(node: string, leaseVersion: string | undefined): LeaseVerdict {
    const now = this.clock.now();
    if (!this.nodesSeen.has(node)) this.nodesSeen.set(node, now);
    if (leaseVersion !== undefined && this.leases.get(node)?.version !== leaseVersion)
      this.leases.set(node, { version: leaseVersion, at: now });
    const lease = this.leases.get(node);
    if (lease !== undefined)
      return now - lease.at > this.options.gracePeriodMs ? "expired" : "fresh";
    const first = this.nodesSeen.get(node) ?? now;
    return now - first > this.options.startupGracePeriodMs ? "expired" : "fresh";
  }

  /** The node is gone: forget it (a node of the same name later starts afresh). */
  forget(node: string): void {
    this.leases.delete(node);
    this.nodesSeen.delete(node);
  }

  /** Nodes the tracker knows. */
  nodes(): string[] {
    return [...this.nodesSeen.keys()];
  }

  /**
   * Every node gets a fresh grace period from now, as Kubernetes does when it leaves full
   * disruption: the nodes' silence was (probably) our own connectivity problem.
   */
  restartAll(): void {
    const now = this.clock.now();
    for (const seen of this.leases.values()) seen.at = now;
    for (const node of this.nodesSeen.keys()) this.nodesSeen.set(node, now);
  }
}
