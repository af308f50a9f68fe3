// The apiserver: store -> watch cache -> registry -> one gRPC service per kind, plus
// reflection and health. start() returns once it serves; stop() ends Watch streams
// first (grpc-js's tryShutdown would wait for them forever), then the server, the cache
// and the store.
import { Server, ServerCredentials } from "@grpc/grpc-js";
import {
  addHealth,
  addReflection,
  allKinds,
  descriptorSetBase64,
  lookupKind,
  type HealthReporter,
} from "@k8ts/sdk";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import type { Logger } from "pino";
import { RangeAllocator, ipv4Range, portRange } from "../allocation/range-allocator.js";
import { ServiceAllocations } from "../allocation/service-allocations.js";
import type { TokenAuthenticator } from "../auth/token-authenticator.js";
import { AlreadyExistsError } from "../registry/api-errors.js";
import { decodeStored } from "../registry/envelope.js";
import { kindPrefix } from "../registry/keys.js";
import { ListPager } from "../registry/list-pager.js";
import { Registry } from "../registry/registry.js";
import type { Store } from "../storage/store.js";
import { WatchCache } from "../watch-cache/watch-cache.js";
import { kindService, type ServingOptions } from "./kind-service.js";
import { Patcher } from "./patcher.js";
import { passThroughDefinition } from "@k8ts/sdk";
import type { WatchStream } from "./watch-stream.js";
import { EventReaper } from "./event-reaper.js";
import { KubeletConnections } from "./kubelet-connections.js";
import { KubeletProxy } from "./kubelet-proxy.js";

export const BOOTSTRAP_NAMESPACES = ["default", "kube-system", "kube-node-lease"];

export interface ApiServerOptions extends ServingOptions {
  /** host:port to listen on; port 0 picks a free port. */
  readonly listen: readonly string[];
  readonly serviceCidr: string;
  readonly nodePortRange: string;
  /** Events older than this are deleted (default 1 hour). */
  readonly eventTtlMs: number;
  readonly historyWindowMs: number;
  /** Bearer token for calls to kubelets (--kubelet-client-token-file); absent: none. */
  readonly kubeletClientToken?: string | undefined;
}

export const DEFAULT_SERVING: ServingOptions = {
  maxInflight: 400,
  watchQueueLimit: 1000,
  watchSlowGraceMs: 5_000,
  bookmarkIntervalMs: 60_000,
  watchTimeoutMinMs: 5 * 60_000,
  watchTimeoutMaxMs: 10 * 60_000,
};

export class ApiServer {
  private server: Server | undefined;
  private health: HealthReporter | undefined;
  private readonly watches = new Set<WatchStream>();
  private cache: WatchCache | undefined;
  private reaper: EventReaper | undefined;
  private kubelets: KubeletProxy | undefined;
  /** Bound addresses, e.g. ["127.0.0.1:6443"]. */
  readonly addresses: string[] = [];

  constructor(
    private readonly store: Store,
    private readonly auth: TokenAuthenticator,
    private readonly log: Logger,
    private readonly options: ApiServerOptions,
  ) {}

  async start(): Promise<void> {
    const cache = new WatchCache(this.store, {
      historyWindowMs: this.options.historyWindowMs,
      onFailure: (e) => this.log.error({ err: e }, "watch cache failed; reloading from the store"),
      onRecovered: (revision) => this.log.info({ revision }, "watch cache reloaded"),
    });
    this.cache = cache;
    await cache.start();
    const clusterIPs = new RangeAllocator(
      this.store,
      ipv4Range(this.options.serviceCidr, "serviceips", "ClusterIP"),
    );
    const nodePorts = new RangeAllocator(
      this.store,
      portRange(this.options.nodePortRange, "servicenodeports", "NodePort"),
    );
    const allocations = new ServiceAllocations(clusterIPs, nodePorts);
    const repaired = await allocations.repair(await this.storedServices());
    if (repaired.allocated + repaired.released > 0)
      this.log.info(repaired, "repaired Service allocations");
    const registry = new Registry(this.store, cache, new ListPager(), { hooks: allocations });
    await this.bootstrap(registry);

    const server = new Server({
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    });
    this.kubelets = new KubeletProxy({
      connections: new KubeletConnections(registry, { token: this.options.kubeletClientToken }),
      auth: this.auth,
      log: this.log,
    });
    const ctx = {
      registry,
      cache,
      auth: this.auth,
      patcher: new Patcher(registry),
      log: this.log,
      options: this.options,
      inflight: { count: 0 },
      watches: this.watches,
      kubelets: this.kubelets,
    };
    for (const kind of allKinds())
      server.addService(passThroughDefinition(kind.kind), kindService(kind, ctx));
    this.health = addHealth(server);
    addReflection(server, Buffer.from(descriptorSetBase64, "base64"));
    for (const address of this.options.listen) {
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) =>
          err === null ? resolve(p) : reject(err),
        );
      });
      this.addresses.push(address.replace(/:\d+$/, `:${port}`));
    }
    this.server = server;
    this.reaper = new EventReaper(registry, cache, this.options.eventTtlMs, this.log);
    this.reaper.start();
    this.log.info({ addresses: this.addresses, revision: cache.revision }, "apiserver serving");
  }

  private async storedServices(): Promise<Service[]> {
    const kind = lookupKind("Service");
    if (kind === undefined) return [];
    const scan = await this.store.scan({ prefix: kindPrefix(kind) });
    return scan.items.map((kv) => decodeStored(kv.key, kv.value).object as Service);
  }

  private async bootstrap(registry: Registry): Promise<void> {
    const ns = lookupKind("Namespace");
    if (ns === undefined) throw new Error("the model has no Namespace kind");
    for (const name of BOOTSTRAP_NAMESPACES) {
      try {
        await registry.create(ns, Namespace.fromPartial({ metadata: { name } }));
        this.log.info({ namespace: name }, "created bootstrap namespace");
      } catch (e) {
        if (!(e instanceof AlreadyExistsError)) throw e;
      }
    }
  }

  async stop(): Promise<void> {
    this.reaper?.stop();
    this.health?.shutdown();
    for (const w of [...this.watches]) w.end();
    this.kubelets?.close();
    const server = this.server;
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    await this.cache?.stop();
  }
}
