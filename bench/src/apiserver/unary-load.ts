// Closed-loop unary load from one client process: `inflight` loops, each issuing its next
// call when the previous one returns, bounded by time and by count. Used alike for the
// apiserver (Create, Update) and the bare server's echoes, so the client side is the same.
import { Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import type { ApiClient, KindClient } from "@k8ts/sdk";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { CreatePodRequest } from "@k8ts/sdk/gen/k8ts/api/v1/pod_service.js";
import { SEQUENCE_ANNOTATION, benchPod, type PodPlacement } from "./bench-pod.js";
import { ownCpuMs, processCpuMs } from "./cpu-time.js";
import { summarize, type Latency } from "./latency.js";
import { RAW_ECHO_PATH } from "./raw-echo-service.js";

export interface LoadOptions {
  readonly inflight: number;
  /** Calls started per phase at most (phases are also bounded in time). */
  readonly maxOps: number;
}

export interface UnaryResult {
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latency: Latency;
  /** Server process CPU per call (user + system), µs. */
  readonly serverCpuUsPerOp: number;
  /** This (client) process's CPU per call, µs. */
  readonly clientCpuUsPerOp: number;
}

export const CREATE_NAMESPACE = "bench";

function createPlacement(name: string): PodPlacement {
  return { namespace: CREATE_NAMESPACE, name, labels: { app: "bench-create", tier: "backend" } };
}

/** The Create request the unary phases send, encoded (its size is reported). */
export function createRequestBytes(): Uint8Array {
  return CreatePodRequest.encode({
    object: benchPod(createPlacement("r0-0-0")),
    dryRun: false,
    fieldManager: "",
  }).finish();
}

/** CPU ms of the server processes together. */
function serversCpuMs(pids: readonly (number | undefined)[]): number {
  let sum = 0;
  for (const pid of pids) sum += processCpuMs(pid);
  return sum;
}

async function closedLoop(
  options: LoadOptions,
  seconds: number,
  serverPids: readonly (number | undefined)[],
  op: (loop: number) => Promise<void>,
): Promise<UnaryResult> {
  const samples: number[] = [];
  let started = 0;
  const serverCpu = serversCpuMs(serverPids);
  const clientCpu = ownCpuMs();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: options.inflight }, async (_, loop) => {
      while (started < options.maxOps && performance.now() < deadline) {
        started++;
        const t = performance.now();
        await op(loop);
        samples.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const ops = samples.length;
  return {
    ops,
    seconds: elapsed,
    perSecond: ops / elapsed,
    latency: summarize(samples),
    serverCpuUsPerOp: ((serversCpuMs(serverPids) - serverCpu) * 1000) / ops,
    clientCpuUsPerOp: ((ownCpuMs() - clientCpu) * 1000) / ops,
  };
}

/**
 * Creates and updates of Pods against one server (the apiserver, or the bare echo), or
 * against several apiservers sharing a store: loop i talks to server i mod n.
 */
export class PodWriter {
  /** Per loop: the objects it created, as last returned (with their resourceVersion). */
  private readonly created: Pod[][];
  private readonly cursor: number[];
  private sequence = 0;
  private readonly clients: readonly ApiClient[];
  private readonly serverPids: readonly (number | undefined)[];

  constructor(
    client: ApiClient | readonly ApiClient[],
    serverPid: number | undefined | readonly (number | undefined)[],
    private readonly options: LoadOptions,
  ) {
    this.clients = Array.isArray(client) ? client : [client as ApiClient];
    this.serverPids = Array.isArray(serverPid) ? serverPid : [serverPid as number | undefined];
    this.created = Array.from({ length: options.inflight }, () => []);
    this.cursor = Array.from({ length: options.inflight }, () => 0);
  }

  /** Creates Pods named `<round>-<loop>-<n>`; `keep` remembers them for updates(). */
  creates(round: string, seconds: number, keep: boolean): Promise<UnaryResult> {
    const counts = Array.from({ length: this.options.inflight }, () => 0);
    if (keep) for (const list of this.created) list.length = 0;
    return closedLoop(this.options, seconds, this.serverPids, async (loop) => {
      const n = counts[loop] ?? 0;
      counts[loop] = n + 1;
      const pod = await this.pods(loop).create(benchPod(createPlacement(`${round}-${loop}-${n}`)));
      if (keep) this.created[loop]?.push(pod);
    });
  }

  /**
   * Updates the objects the last `creates` kept, round-robin per loop, each with the
   * resourceVersion its create or previous update returned and a new annotation value
   * (so that no update is a no-op).
   */
  updates(seconds: number): Promise<UnaryResult> {
    return closedLoop(this.options, seconds, this.serverPids, async (loop) => {
      const mine = this.created[loop] ?? [];
      const k = (this.cursor[loop] ?? 0) % Math.max(1, mine.length);
      this.cursor[loop] = k + 1;
      const pod = mine[k];
      if (pod?.metadata === undefined) throw new Error(`loop ${loop} created nothing to update`);
      pod.metadata.annotations[SEQUENCE_ANNOTATION] = String(++this.sequence);
      mine[k] = await this.pods(loop).update(pod);
    });
  }

  private pods(loop: number): KindClient<Pod> {
    const client = this.clients[loop % this.clients.length];
    if (client === undefined) throw new Error("a PodWriter needs a client");
    return client.kind("Pod");
  }

  /** A Pod as the server returned it (for its size). */
  sample(): Pod | undefined {
    return this.created.find((list) => list.length > 0)?.[0];
  }
}

/** The Create request's bytes echoed by /bench.RawEcho/Echo: the transport alone. */
export function rawEchoes(
  client: Client,
  serverPid: number | undefined,
  options: LoadOptions,
  seconds: number,
): Promise<UnaryResult> {
  const payload = Buffer.from(createRequestBytes());
  const identity = (b: Buffer): Buffer => b;
  return closedLoop(
    options,
    seconds,
    [serverPid],
    () =>
      new Promise<void>((resolve, reject) => {
        // A deadline on every call, as ApiClient sets one.
        client.makeUnaryRequest(
          RAW_ECHO_PATH,
          identity,
          identity,
          payload,
          new Metadata(),
          { deadline: Date.now() + 30_000 },
          (err: ServiceError | null) => (err === null ? resolve() : reject(err)),
        );
      }),
  );
}
