// Service ClusterIPs and NodePorts: allocated on create (or a type change), released on
// delete, unique, and repaired at start (a Service whose value has no allocation record
// gets one; a record no Service uses is released).
import type { KindInfo } from "@k8ts/sdk";
import type { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { FailedPreconditionError, InvalidError } from "../registry/api-errors.js";
import type { ApiObject } from "../registry/envelope.js";
import type { UpdateHookResult, WriteHooks } from "../registry/write-hooks.js";
import { AlreadyAllocatedError, RangeFullError, type RangeAllocator } from "./range-allocator.js";

type Release = () => Promise<void>;

const isService = (kind: KindInfo): boolean => kind.kind === "Service";
const ownerOf = (s: Service): string => `${s.metadata?.namespace ?? ""}/${s.metadata?.name ?? ""}`;
const wantsClusterIP = (s: Service): boolean => s.spec !== undefined && s.spec.clusterIP !== "None";
const wantsNodePorts = (s: Service): boolean => s.spec?.type === "NodePort";

export class ServiceAllocations implements WriteHooks {
  constructor(
    private readonly clusterIPs: RangeAllocator,
    private readonly nodePorts: RangeAllocator,
  ) {}

  appliesTo(kind: KindInfo): boolean {
    return isService(kind);
  }

  /** The repair pass: run at start, before serving, with every stored Service. */
  async repair(services: readonly Service[]): Promise<{ allocated: number; released: number }> {
    const ips = new Set(await this.clusterIPs.load());
    const ports = new Set(await this.nodePorts.load());
    let allocated = 0;
    let released = 0;
    const inUseIps = new Set<string>();
    const inUsePorts = new Set<string>();
    for (const s of services) {
      const ip = s.spec?.clusterIP ?? "";
      if (ip !== "" && ip !== "None" && this.clusterIPs.range.indexOf(ip) !== undefined) {
        inUseIps.add(ip);
        if (!ips.has(ip)) {
          await this.clusterIPs.allocate(ip, ownerOf(s)).catch(ignoreTaken);
          allocated++;
        }
      }
      for (const p of s.spec?.ports ?? []) {
        if (p.nodePort === undefined) continue;
        const v = String(p.nodePort);
        inUsePorts.add(v);
        if (!ports.has(v) && this.nodePorts.range.indexOf(v) !== undefined) {
          await this.nodePorts.allocate(v, ownerOf(s)).catch(ignoreTaken);
          allocated++;
        }
      }
    }
    for (const ip of ips)
      if (!inUseIps.has(ip)) {
        await this.clusterIPs.release(ip);
        released++;
      }
    for (const p of ports)
      if (!inUsePorts.has(p)) {
        await this.nodePorts.release(p);
        released++;
      }
    return { allocated, released };
  }

  async beforeCreate(
    kind: KindInfo,
    object: ApiObject,
    dryRun: boolean,
  ): Promise<Release | undefined> {
    if (!isService(kind)) return undefined;
    const svc = object as Service;
    const releases: Release[] = [];
    try {
      if (wantsClusterIP(svc)) await this.assignClusterIP(svc, dryRun, releases);
      if (wantsNodePorts(svc)) await this.assignNodePorts(svc, undefined, dryRun, releases);
    } catch (e) {
      await releaseAll(releases);
      throw e;
    }
    return () => releaseAll(releases);
  }

  async beforeUpdate(
    kind: KindInfo,
    object: ApiObject,
    old: ApiObject,
    dryRun: boolean,
  ): Promise<UpdateHookResult | undefined> {
    if (!isService(kind)) return undefined;
    const svc = object as Service;
    const before = old as Service;
    if (svc.spec === undefined || before.spec === undefined) return undefined;
    // The clusterIP stays what it was (an update that leaves it empty keeps it).
    if (svc.spec.clusterIP === "" && before.spec.clusterIP !== "") {
      svc.spec.clusterIP = before.spec.clusterIP;
      svc.spec.clusterIPs = [...before.spec.clusterIPs];
    }
    const releases: Release[] = [];
    const afterCommit: Release[] = [];
    try {
      if (wantsNodePorts(svc)) await this.assignNodePorts(svc, before, dryRun, releases);
    } catch (e) {
      await releaseAll(releases);
      throw e;
    }
    // Ports the old version had and the new one does not are released once it is stored.
    const keep = new Set(svc.spec.type === "NodePort" ? svc.spec.ports.map((p) => p.nodePort) : []);
    for (const p of before.spec.ports)
      if (p.nodePort !== undefined && !keep.has(p.nodePort)) {
        const v = String(p.nodePort);
        afterCommit.push(() => this.nodePorts.release(v));
      }
    return { rollback: () => releaseAll(releases), commit: () => releaseAll(afterCommit) };
  }

  async afterDelete(kind: KindInfo, object: ApiObject): Promise<void> {
    if (!isService(kind)) return;
    const svc = object as Service;
    const ip = svc.spec?.clusterIP ?? "";
    if (ip !== "" && ip !== "None") await this.clusterIPs.release(ip);
    for (const p of svc.spec?.ports ?? [])
      if (p.nodePort !== undefined) await this.nodePorts.release(String(p.nodePort));
  }

  private async assignClusterIP(svc: Service, dryRun: boolean, releases: Release[]): Promise<void> {
    const spec = svc.spec;
    if (spec === undefined) return;
    const asked = spec.clusterIP;
    try {
      if (asked === "") {
        spec.clusterIP = dryRun
          ? this.clusterIPs.peekFree()
          : await this.clusterIPs.allocateNext(ownerOf(svc));
      } else {
        if (this.clusterIPs.range.indexOf(asked) === undefined)
          throw new InvalidError(`Service "${svc.metadata?.name ?? ""}"`, [
            {
              field: "spec.clusterIP",
              description: `Invalid value: ${JSON.stringify(asked)}: provided IP is not in the valid range of the service CIDR`,
            },
          ]);
        if (!dryRun) await this.clusterIPs.allocate(asked, ownerOf(svc));
        else if (this.clusterIPs.isAllocated(asked))
          throw new AlreadyAllocatedError(asked, "ClusterIP");
      }
    } catch (e) {
      throw allocationError(svc, "spec.clusterIP", e);
    }
    const ip = spec.clusterIP;
    if (!dryRun) releases.push(() => this.clusterIPs.release(ip));
    spec.clusterIPs = [ip];
  }

  private async assignNodePorts(
    svc: Service,
    before: Service | undefined,
    dryRun: boolean,
    releases: Release[],
  ): Promise<void> {
    const spec = svc.spec;
    if (spec === undefined) return;
    const had = new Set(
      (before?.spec?.ports ?? []).map((p) => p.nodePort).filter((p) => p !== undefined),
    );
    for (const [i, p] of spec.ports.entries()) {
      if (p.nodePort !== undefined && had.has(p.nodePort)) continue;
      const path = `spec.ports[${i}].nodePort`;
      try {
        if (p.nodePort === undefined) {
          const v = dryRun
            ? this.nodePorts.peekFree()
            : await this.nodePorts.allocateNext(ownerOf(svc));
          p.nodePort = Number(v);
        } else {
          const v = String(p.nodePort);
          if (this.nodePorts.range.indexOf(v) === undefined)
            throw new InvalidError(`Service "${svc.metadata?.name ?? ""}"`, [
              {
                field: path,
                description: `Invalid value: ${v}: provided port is not in the valid range`,
              },
            ]);
          if (!dryRun) await this.nodePorts.allocate(v, ownerOf(svc));
          else if (this.nodePorts.isAllocated(v)) throw new AlreadyAllocatedError(v, "NodePort");
        }
      } catch (e) {
        throw allocationError(svc, path, e);
      }
      const v = String(p.nodePort);
      if (!dryRun) releases.push(() => this.nodePorts.release(v));
    }
  }
}

function allocationError(svc: Service, field: string, e: unknown): unknown {
  const what = `Service "${svc.metadata?.name ?? ""}"`;
  if (e instanceof AlreadyAllocatedError)
    return new InvalidError(what, [
      {
        field,
        description: `Invalid value: ${JSON.stringify(e.value)}: provided value is already allocated`,
      },
    ]);
  if (e instanceof RangeFullError) return new FailedPreconditionError(`${e.message} for ${what}`);
  return e;
}

function ignoreTaken(e: unknown): void {
  if (!(e instanceof AlreadyAllocatedError)) throw e;
}

async function releaseAll(releases: Release[]): Promise<void> {
  for (const r of releases.splice(0).reverse()) await r();
}
