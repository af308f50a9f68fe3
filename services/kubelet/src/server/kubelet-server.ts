// The kubelet's own gRPC API (k8ts.kubelet.v1.Kubelet): the apiserver proxies Pods.Logs and
// Pods.Exec here. Every call is checked against the client tokens (when given); the pod
// locator names the runtime container; the runtime plugin streams. Plus reflection and
// health, as every k8ts server. stop() ends open streams first (tryShutdown would wait for
// a `logs -f` forever), then the server.
import { Server, ServerCredentials, type Metadata } from "@grpc/grpc-js";
import {
  addHealth,
  addReflection,
  descriptorSetBase64,
  descriptorSubset,
  type HealthReporter,
  type Logger,
  type RuntimeClient,
} from "@k8ts/sdk";
import {
  KubeletService,
  type KubeletServer as KubeletHandlers,
} from "@k8ts/sdk/gen/k8ts/kubelet/v1/kubelet.js";
import { checkBearer } from "./client-tokens.js";
import { serveExec, type ExecCall } from "./exec-session.js";
import { ShuttingDownError, toKubeletStatus } from "./kubelet-status.js";
import { startLogStream, type LogsCall, type OpenStream } from "./log-stream.js";
import type { PodLocator } from "./pod-locator.js";

export interface KubeletServerOptions {
  readonly locator: PodLocator;
  readonly runtime: RuntimeClient;
  /** Bearer tokens a caller must present (--client-token-file); absent: anyone may call. */
  readonly tokens?: ReadonlySet<string>;
  readonly logger: Logger;
}

const SERVICE_NAME = "k8ts.kubelet.v1.Kubelet";

export class KubeletServer {
  private server: Server | undefined;
  private health: HealthReporter | undefined;
  private readonly open = new Set<OpenStream>();

  constructor(private readonly options: KubeletServerOptions) {}

  /** Serves on `listen` (host:port; port 0 picks one); resolves with the bound host:port. */
  async start(listen: string): Promise<string> {
    const server = new Server({
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    });
    const handlers: KubeletHandlers = {
      logs: (call) => this.logs(call),
      exec: (call) => this.exec(call),
    };
    server.addService(KubeletService, handlers);
    this.health = addHealth(server);
    this.health.setStatus(SERVICE_NAME, "SERVING");
    // Only the kubelet's API and what it imports: the whole API's index would cost megabytes.
    addReflection(
      server,
      descriptorSubset(Buffer.from(descriptorSetBase64, "base64"), [
        "k8ts/kubelet/v1/kubelet.proto",
      ]),
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(listen, ServerCredentials.createInsecure(), (err, p) =>
        err === null ? resolve(p) : reject(err),
      );
    });
    this.server = server;
    const address = listen.replace(/:\d+$/, `:${port}`);
    this.options.logger.info({ address }, "kubelet API serving");
    return address;
  }

  /** Ends open Logs and Exec streams (UNAVAILABLE), then stops serving. */
  async stop(): Promise<void> {
    this.health?.shutdown();
    for (const stream of [...this.open]) stream.abort(new ShuttingDownError());
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
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

  private authenticate(metadata: Metadata): void {
    checkBearer(metadata, this.options.tokens);
  }

  private fail(call: LogsCall | ExecCall, error: unknown, method: string): void {
    const mapped = toKubeletStatus(error);
    if (mapped.unexpected) this.options.logger.error({ err: error, method }, "call failed");
    call.emit("error", { code: mapped.code, details: mapped.details, metadata: mapped.metadata });
  }

  private logs(call: LogsCall): void {
    try {
      this.authenticate(call.metadata);
      const stream = startLogStream(call, {
        locator: this.options.locator,
        runtime: this.options.runtime,
        fail: (c, e) => this.fail(c, e, "Logs"),
        onDone: () => this.open.delete(stream),
      });
      this.open.add(stream);
    } catch (e) {
      this.fail(call, e, "Logs");
    }
  }

  private exec(call: ExecCall): void {
    try {
      this.authenticate(call.metadata);
    } catch (e) {
      this.fail(call, e, "Exec");
      return;
    }
    const session: OpenStream = serveExec(call, {
      locator: this.options.locator,
      runtime: this.options.runtime,
      fail: (c, e) => this.fail(c, e, "Exec"),
      unexpected: (e) => this.options.logger.error({ err: e, method: "Exec" }, "exec failed"),
      onDone: () => this.open.delete(session),
    });
    this.open.add(session);
  }
}
