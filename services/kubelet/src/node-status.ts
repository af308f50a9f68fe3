// The kubelet's Node: registered at start (created, or its status refreshed when it
// exists), its Lease in kube-node-lease renewed every renew interval (the heartbeat the
// node lifecycle controller judges), and its status (Ready condition from the runtime and
// network plugins, capacity, addresses, daemon endpoint) posted when it changes and at
// least every report interval, as Kubernetes' node status manager does.
import { readFile } from "node:fs/promises";
import { arch, cpus, release, totalmem, type as osType } from "node:os";
import { status as grpcStatus } from "@grpc/grpc-js";
import { ApiStatusError, hasStatus, type ApiClient, type Logger } from "@k8ts/sdk";
import { Lease } from "@k8ts/sdk/gen/k8ts/api/v1/lease.js";
import { Node, type NodeCondition } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const KUBELET_VERSION = "k8ts-kubelet/0.1.0";

export interface NodeCapacity {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: string;
}

export interface NodeStatusOptions {
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: NodeCapacity;
  /** Pod CIDR to set on the Node when it has none (--pod-cidr); "" = leave it. */
  readonly podCidr: string;
  readonly kubeletPort: number;
  readonly runtimeVersion: () => string;
  /** Whether the node can run pods; the reason and message when not. */
  readonly readiness: () => Promise<{ ready: boolean; reason: string; message: string }>;
  readonly leaseDurationSeconds: number;
  readonly leaseRenewMs: number;
  readonly statusUpdateMs: number;
  readonly statusReportMs: number;
  readonly logger: Logger;
}

/** The host's capacity: its CPUs, its memory and 110 pods (Kubernetes' default max). */
export function hostCapacity(): NodeCapacity {
  return { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: "110" };
}

async function readId(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    // Not every host has these files; the field is informational.
    return "";
  }
}

const quantities = (c: NodeCapacity): Record<string, { string: string }> => ({
  cpu: { string: c.cpu },
  memory: { string: c.memory },
  pods: { string: c.pods },
});

export class NodeStatusManager {
  private readonly stop = new AbortController();
  private leaseTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private lastPosted = "";
  private lastPostedAt = 0;
  private machineId = "";
  private bootId = "";
  /** The Node's pod CIDRs once registered (spec.podCIDRs). */
  podCidrs: string[] = [];

  constructor(private readonly o: NodeStatusOptions) {}

  /** Registers the Node and takes the first heartbeat; then keeps both going. */
  async start(): Promise<void> {
    this.machineId = await readId("/etc/machine-id");
    this.bootId = await readId("/proc/sys/kernel/random/boot_id");
    await this.register();
    await this.renewLease();
    this.leaseTimer = setInterval(() => void this.renewLease(), this.o.leaseRenewMs);
    this.statusTimer = setInterval(() => void this.syncStatus(false), this.o.statusUpdateMs);
  }

  close(): void {
    this.stop.abort();
    clearInterval(this.leaseTimer);
    clearInterval(this.statusTimer);
  }

  /** Posts the status now if it changed (e.g. the runtime became ready). */
  async poke(): Promise<void> {
    await this.syncStatus(false);
  }

  private async register(): Promise<void> {
    const nodes = this.o.client.kind("Node");
    for (;;) {
      const existing = await nodes.get(this.o.nodeName).catch((e: unknown) => {
        if (hasStatus(e, grpcStatus.NOT_FOUND)) return undefined;
        throw e;
      });
      const status = await this.desiredStatus(existing);
      if (existing === undefined) {
        const node = Node.fromPartial({
          metadata: { name: this.o.nodeName, labels: { ...this.o.labels } },
          spec:
            this.o.podCidr === "" ? {} : { podCIDR: this.o.podCidr, podCIDRs: [this.o.podCidr] },
          status,
        });
        try {
          const created = await nodes.create(node);
          this.podCidrs = created.spec?.podCIDRs ?? [];
          this.o.logger.info({ node: this.o.nodeName }, "registered node");
          this.remember(created);
          return;
        } catch (e) {
          if (hasStatus(e, grpcStatus.ALREADY_EXISTS)) continue;
          throw e;
        }
      }
      // The Node exists (a restart, or registered by hand): keep its spec (taints,
      // unschedulable), add our labels, take the pod CIDR if it has none.
      const spec = existing.spec ?? Node.fromPartial({}).spec;
      const needsCidr = this.o.podCidr !== "" && (spec?.podCIDR ?? "") === "";
      const labels = { ...existing.metadata?.labels, ...this.o.labels };
      const labelsChanged =
        JSON.stringify(labels) !== JSON.stringify(existing.metadata?.labels ?? {});
      try {
        let current = existing;
        if (needsCidr || labelsChanged) {
          current = await nodes.update(
            Node.fromPartial({
              ...existing,
              metadata: { ...existing.metadata, labels },
              spec: needsCidr
                ? { ...spec, podCIDR: this.o.podCidr, podCIDRs: [this.o.podCidr] }
                : spec,
            }),
          );
        }
        const updated = await nodes.updateStatus(Node.fromPartial({ ...current, status }));
        this.podCidrs = updated.spec?.podCIDRs ?? [];
        this.remember(updated);
        this.o.logger.info({ node: this.o.nodeName }, "node exists; status refreshed");
        return;
      } catch (e) {
        if (hasStatus(e, grpcStatus.ABORTED)) continue;
        throw e;
      }
    }
  }

  private remember(node: Node): void {
    this.lastPosted = fingerprint(node);
    this.lastPostedAt = Date.now();
  }

  private async desiredStatus(existing: Node | undefined): Promise<Node["status"]> {
    const r = await this.o.readiness();
    const now = new Date();
    const old = existing?.status?.conditions ?? [];
    const cond = (type: string, ok: boolean, reason: string, message: string): NodeCondition => {
      const before = old.find((c) => c.type === type);
      const status = ok ? "True" : "False";
      return {
        type,
        status,
        reason,
        message,
        lastHeartbeatTime: now,
        lastTransitionTime:
          before !== undefined && before.status === status ? before.lastTransitionTime : now,
      };
    };
    const others = old.filter(
      (c) => !["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"].includes(c.type),
    );
    return Node.fromPartial({
      status: {
        capacity: quantities(this.o.capacity),
        allocatable: quantities(this.o.capacity),
        conditions: [
          ...others,
          cond(
            "MemoryPressure",
            false,
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
          ),
          cond("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
          cond(
            "PIDPressure",
            false,
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
          ),
          cond(
            "Ready",
            r.ready,
            r.ready ? "KubeletReady" : r.reason,
            r.ready ? "kubelet is posting ready status" : r.message,
          ),
        ],
        addresses: [
          { type: "InternalIP", address: this.o.nodeIP },
          { type: "Hostname", address: this.o.nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort } },
        nodeInfo: {
          machineID: this.machineId,
          bootID: this.bootId,
          kernelVersion: release(),
          osImage: osType(),
          containerRuntimeVersion: this.o.runtimeVersion(),
          kubeletVersion: KUBELET_VERSION,
          operatingSystem: "linux",
          architecture: arch() === "x64" ? "amd64" : arch(),
        },
      },
    }).status;
  }

  private async syncStatus(force: boolean): Promise<void> {
    if (this.stop.signal.aborted) return;
    const nodes = this.o.client.kind("Node");
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const node = await nodes.get(this.o.nodeName);
        const status = await this.desiredStatus(node);
        const next = Node.fromPartial({ ...node, status });
        const due = Date.now() - this.lastPostedAt >= this.o.statusReportMs;
        if (!force && !due && fingerprint(next) === this.lastPosted) return;
        try {
          this.remember(await nodes.updateStatus(next));
          this.podCidrs = node.spec?.podCIDRs ?? this.podCidrs;
          return;
        } catch (e) {
          if (!hasStatus(e, grpcStatus.ABORTED)) throw e;
        }
      }
    } catch (e) {
      if (!this.stop.signal.aborted)
        this.o.logger.warn({ err: e }, "could not post node status; retrying");
    }
  }

  private async renewLease(): Promise<void> {
    if (this.stop.signal.aborted) return;
    const leases = this.o.client.kind("Lease");
    const spec = {
      holderIdentity: this.o.nodeName,
      leaseDurationSeconds: this.o.leaseDurationSeconds,
      renewTime: new Date(),
    };
    try {
      const current = await leases
        .get(this.o.nodeName, { namespace: NODE_LEASE_NAMESPACE })
        .catch((e: unknown) => {
          if (hasStatus(e, grpcStatus.NOT_FOUND)) return undefined;
          throw e;
        });
      if (current === undefined)
        await leases.create(
          Lease.fromPartial({
            metadata: { name: this.o.nodeName, namespace: NODE_LEASE_NAMESPACE },
            spec,
          }),
        );
      else
        await leases.update(Lease.fromPartial({ ...current, spec: { ...current.spec, ...spec } }));
    } catch (e) {
      if (this.stop.signal.aborted) return;
      // A conflict means another write won this round; the next renewal follows shortly.
      if (e instanceof ApiStatusError && e.code === grpcStatus.ABORTED) return;
      this.o.logger.warn({ err: e }, "could not renew node lease; retrying");
    }
  }
}

/** What of a Node's status counts as a change worth posting (not heartbeat times). */
function fingerprint(node: Node): string {
  const s = node.status;
  return JSON.stringify({
    conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
    capacity: s?.capacity,
    addresses: s?.addresses,
    port: s?.daemonEndpoints?.kubeletEndpoint?.Port,
    runtime: s?.nodeInfo?.containerRuntimeVersion,
  });
}
