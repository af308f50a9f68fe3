// The gRPC health checking service (grpc.health.v1.Health) for grpc-js servers: what load
// balancers, `grpc_health_probe` and Kubernetes-style gRPC probes call.
//
// Not the grpc-health-check package (2.1.0 works with grpc-js 1.14), because its open
// Watch streams cannot be ended, so server.tryShutdown() never completes while a prober
// watches; it repeats unchanged statuses to watchers; and it loads its .proto from disk
// with @grpc/proto-loader 0.7 at import time. Reflection needs health's descriptor anyway
// (grpc-descriptors.ts), so the service is a few dozen lines on the same codec.
import {
  status as grpcStatus,
  type sendUnaryData,
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import {
  HealthService,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthListResponse,
  type ServingStatus,
} from "./health-codec.js";

/** A status a server reports for one of its services. */
export type ReportedStatus = Exclude<ServingStatus, "SERVICE_UNKNOWN">;

/** What a server uses to report its health; returned by addHealth. */
export interface HealthReporter {
  /**
   * Sets the status of `service` (a full service name, or "" for the server as a whole).
   * Watchers of that service are sent the new status only when it changes.
   */
  setStatus(service: string, status: ReportedStatus): void;
  /** Forgets `service`: Check answers NOT_FOUND, watchers are sent SERVICE_UNKNOWN. */
  clearStatus(service: string): void;
  /**
   * Sets every known service NOT_SERVING, sends that to every watcher and ends every Watch
   * stream (status OK: clients retry elsewhere). Call it before server.tryShutdown(),
   * which otherwise waits for open Watch streams forever.
   */
  shutdown(): void;
}

/** The List answer is bounded, as the protocol requires. */
const LIST_LIMIT = 100;

type WatchCall = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;

/**
 * One Watch stream. A slow reader holds at most one unsent status (the latest): statuses
 * in between are stale and are dropped rather than queued.
 */
class Watcher {
  private blocked = false;
  private pending: ServingStatus | undefined;

  constructor(private readonly call: WatchCall) {
    call.on("drain", () => {
      this.blocked = false;
      const status = this.pending;
      this.pending = undefined;
      if (status !== undefined) this.send(status);
    });
  }

  send(status: ServingStatus): void {
    if (this.blocked) this.pending = status;
    else this.blocked = !this.call.write({ status });
  }

  end(): void {
    if (this.pending !== undefined) this.call.write({ status: this.pending });
    this.pending = undefined;
    this.call.end();
  }
}

class HealthState implements HealthReporter {
  private readonly statuses = new Map<string, ReportedStatus>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private closed = false;

  constructor(initial: Readonly<Record<string, ReportedStatus>>) {
    for (const [service, status] of Object.entries(initial)) this.statuses.set(service, status);
  }

  setStatus(service: string, status: ReportedStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.notify(service, status);
  }

  clearStatus(service: string): void {
    if (!this.statuses.delete(service)) return;
    this.notify(service, "SERVICE_UNKNOWN");
  }

  shutdown(): void {
    this.closed = true;
    for (const service of this.statuses.keys()) this.setStatus(service, "NOT_SERVING");
    for (const set of this.watchers.values()) for (const watcher of set) watcher.end();
    this.watchers.clear();
  }

  check(
    call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
    callback: sendUnaryData<HealthCheckResponse>,
  ): void {
    const service = call.request.service;
    const status = this.statuses.get(service);
    if (status === undefined)
      callback({ code: grpcStatus.NOT_FOUND, details: `unknown service: ${service}` });
    else callback(null, { status });
  }

  list(
    _call: ServerUnaryCall<Record<string, never>, HealthListResponse>,
    callback: sendUnaryData<HealthListResponse>,
  ): void {
    if (this.statuses.size > LIST_LIMIT) {
      callback({
        code: grpcStatus.RESOURCE_EXHAUSTED,
        details: `more than ${LIST_LIMIT} services`,
      });
      return;
    }
    const statuses = new Map<string, HealthCheckResponse>();
    for (const [service, status] of this.statuses) statuses.set(service, { status });
    callback(null, { statuses });
  }

  watch(call: WatchCall): void {
    const service = call.request.service;
    const watcher = new Watcher(call);
    watcher.send(this.statuses.get(service) ?? "SERVICE_UNKNOWN");
    if (this.closed) {
      watcher.end();
      return;
    }
    let set = this.watchers.get(service);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(service, set);
    }
    set.add(watcher);
    call.on("cancelled", () => {
      const current = this.watchers.get(service);
      current?.delete(watcher);
      if (current?.size === 0) this.watchers.delete(service);
    });
  }

  private notify(service: string, status: ServingStatus): void {
    for (const watcher of this.watchers.get(service) ?? []) watcher.send(status);
  }
}

/**
 * Registers grpc.health.v1.Health (Check, List, Watch) on `server` and returns the handle
 * that sets what it reports. `initial` defaults to the server as a whole ("") SERVING;
 * a service with no status is NOT_FOUND for Check and SERVICE_UNKNOWN for Watch.
 */
export function addHealth(
  server: Server,
  initial: Readonly<Record<string, ReportedStatus>> = { "": "SERVING" },
): HealthReporter {
  const state = new HealthState(initial);
  server.addService(HealthService, {
    check: state.check.bind(state),
    list: state.list.bind(state),
    watch: state.watch.bind(state),
  });
  return state;
}
