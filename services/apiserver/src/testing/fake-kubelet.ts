// A stand-in kubelet for tests of the apiserver's Logs/Exec proxy and of the CLI: the
// k8ts.kubelet.v1.Kubelet service on 127.0.0.1, with scripted answers, recording what it
// was asked; and the API objects that point the apiserver at it (a Node publishing its
// port, a Pod bound to that Node).
import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type ServerDuplexStream,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { hasStatus, type ApiClient } from "@k8ts/sdk";
import { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { KubeletService } from "@k8ts/sdk/gen/k8ts/kubelet/v1/kubelet.js";
import type {
  PodExecRequest,
  PodExecResponse,
  PodLogsChunk,
  PodLogsRequest,
} from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";

export type FakeLogsCall = ServerWritableStream<PodLogsRequest, PodLogsChunk>;
export type FakeExecCall = ServerDuplexStream<PodExecRequest, PodExecResponse>;

export interface FakeKubeletHandlers {
  readonly logs?: (call: FakeLogsCall) => void;
  readonly exec?: (call: FakeExecCall) => void;
}

/** What the fake was called with. */
export interface SeenCall {
  readonly method: "Logs" | "Exec";
  readonly metadata: Metadata;
  /** The Logs request, or the first Exec message. */
  readonly request: PodLogsRequest | PodExecRequest | undefined;
  /** The caller (the apiserver) cancelled the call. */
  readonly cancelled: boolean;
}

type Record_ = { -readonly [K in keyof SeenCall]: SeenCall[K] };

/**
 * Logs: one line naming the request (`logs default/web container=c follow=false ...`), then
 * `line 1` .. `line 3`; with follow, a line every 20 ms until cancelled.
 */
export function scriptedLogs(call: FakeLogsCall): void {
  const r = call.request;
  call.write({
    data: Buffer.from(
      `logs ${r.namespace}/${r.name} container=${r.container} follow=${r.follow} previous=${r.previous} timestamps=${r.timestamps} tail=${r.tailLines ?? ""} since=${r.sinceSeconds ?? ""} limit=${r.limitBytes ?? ""}\n`,
    ),
  });
  for (let i = 1; i <= 3; i++) call.write({ data: Buffer.from(`line ${i}\n`) });
  if (!r.follow) {
    call.end();
    return;
  }
  let n = 3;
  const timer = setInterval(() => call.write({ data: Buffer.from(`line ${++n}\n`) }), 20);
  call.on("cancelled", () => clearInterval(timer));
}

/**
 * Exec, by command: `echo WORDS` (stdout, exit 0); `fail-to-stderr` (stderr "oops",
 * exit 3); `cat` (stdin back as stdout; exit 0 at close_stdin, resize messages reported as
 * `resize WxH` on stderr); `broken` (an `error` message); `refuse` (NOT_FOUND status); any
 * other command: exit 127. The start message is reported on stderr as `start ns/name
 * container=c tty=B stdin=B size=WxH`.
 */
export function scriptedExec(call: FakeExecCall): void {
  let started = false;
  const out = (text: string): void => {
    call.write({ response: { $case: "stdout", value: Buffer.from(text) } });
  };
  const err = (text: string): void => {
    call.write({ response: { $case: "stderr", value: Buffer.from(text) } });
  };
  const exit = (code: number): void => {
    call.write({ response: { $case: "exit", value: { exitCode: code } } });
    call.end();
  };
  call.on("data", (m: PodExecRequest) => {
    const r = m.request;
    if (r === undefined) return;
    if (!started) {
      started = true;
      if (r.$case !== "start") {
        call.emit("error", { code: status.INVALID_ARGUMENT, details: "start first" });
        return;
      }
      const s = r.value;
      const size =
        s.terminalSize === undefined ? "" : `${s.terminalSize.width}x${s.terminalSize.height}`;
      err(
        `start ${s.namespace}/${s.name} container=${s.container} tty=${s.tty} stdin=${s.stdin} size=${size}\n`,
      );
      const [cmd, ...args] = s.command;
      if (cmd === "echo") {
        out(`${args.join(" ")}\n`);
        exit(0);
      } else if (cmd === "fail-to-stderr") {
        err("oops\n");
        exit(3);
      } else if (cmd === "broken") {
        call.write({
          response: {
            $case: "error",
            value: { code: status.INTERNAL, message: "the container stopped", details: [] },
          },
        });
        call.end();
      } else if (cmd === "refuse") {
        call.emit("error", { code: status.NOT_FOUND, details: 'container "x" not found' });
      } else if (cmd !== "cat") {
        exit(127);
      }
      return;
    }
    if (r.$case === "stdin") out(r.value.toString("utf8"));
    else if (r.$case === "resize") err(`resize ${r.value.width}x${r.value.height}\n`);
    else if (r.$case === "closeStdin") exit(0);
  });
  call.on("end", () => undefined);
}

export class FakeKubelet {
  private constructor(
    private readonly server: Server,
    /** The port it listens on (127.0.0.1). */
    readonly port: number,
    /** Every call so far, in order. */
    readonly calls: readonly SeenCall[],
  ) {}

  static async start(handlers: FakeKubeletHandlers = {}, port = 0): Promise<FakeKubelet> {
    const server = new Server();
    const calls: SeenCall[] = [];
    const logs = handlers.logs ?? scriptedLogs;
    const exec = handlers.exec ?? scriptedExec;
    server.addService(KubeletService, {
      logs: (call: FakeLogsCall) => {
        const record: Record_ = {
          method: "Logs",
          metadata: call.metadata,
          request: call.request,
          cancelled: false,
        };
        calls.push(record);
        call.on("cancelled", () => (record.cancelled = true));
        logs(call);
      },
      exec: (call: FakeExecCall) => {
        const record: Record_ = {
          method: "Exec",
          metadata: call.metadata,
          request: undefined,
          cancelled: false,
        };
        calls.push(record);
        call.on("cancelled", () => (record.cancelled = true));
        call.once("data", (m: PodExecRequest) => {
          record.request = m;
        });
        exec(call);
      },
    });
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) =>
        e === null ? resolve(p) : reject(e),
      );
    });
    return new FakeKubelet(server, bound, calls);
  }

  /** Stops at once: open streams fail (UNAVAILABLE on the other side). */
  stop(): void {
    this.server.forceShutdown();
  }
}

/** Creates (or updates) Node `name` publishing a kubelet at 127.0.0.1:`port` (0: none). */
export async function publishKubelet(api: ApiClient, name: string, port: number): Promise<void> {
  const nodes = api.kind("Node");
  let node;
  try {
    node = await nodes.get(name);
  } catch (e) {
    if (!hasStatus(e, status.NOT_FOUND)) throw e;
    node = await nodes.create(Node.fromPartial({ metadata: { name } }));
  }
  await nodes.updateStatus(
    Node.fromPartial({
      ...node,
      status: {
        ...node.status,
        addresses: [
          { type: "Hostname", address: "localhost" },
          { type: "InternalIP", address: "127.0.0.1" },
        ],
        daemonEndpoints: port > 0 ? { kubeletEndpoint: { Port: port } } : undefined,
      },
    }),
  );
}

/** Creates Pod `namespace/name` with `containers` (names) and binds it to `nodeName` ("" : unbound). */
export async function createPod(
  api: ApiClient,
  namespace: string,
  name: string,
  nodeName: string,
  containers: readonly string[] = ["app"],
): Promise<void> {
  const pods = api.kind("Pod");
  await pods.create(
    Pod.fromPartial({
      metadata: { name, namespace },
      spec: { containers: containers.map((c) => ({ name: c, image: "busybox" })) },
    }),
  );
  if (nodeName !== "") await pods.bind(name, nodeName, { namespace });
}
