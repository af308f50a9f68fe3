// The mock runtime on its unix socket: RuntimeService and ImageService, plus the health
// and reflection services every k8ts server registers. Stopping ends long calls (log
// follows, stops waiting on a kill, execs) with UNAVAILABLE and saves the state; the
// simulated containers are left "running" for the next instance to adopt.
import { rm } from "node:fs/promises";
import { Server } from "@grpc/grpc-js";
import {
  addHealth,
  addReflection,
  bindUnixSocket,
  descriptorSetBase64,
  type HealthReporter,
  type Logger,
} from "@k8ts/sdk";
import {
  ImageServiceService,
  RuntimeServiceService,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { MockRuntime } from "./mock-runtime.js";
import { imageService, runtimeService } from "./runtime-service.js";

/** How long calls in flight get to finish on stop before they are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

export class RuntimeServer {
  private constructor(
    private readonly server: Server,
    private readonly health: HealthReporter,
    private readonly runtime: MockRuntime,
    readonly socketPath: string,
  ) {}

  static async start(
    runtime: MockRuntime,
    socketPath: string,
    log: Logger,
  ): Promise<RuntimeServer> {
    const server = new Server({
      // The kubelet's client pings every 30 s, also between calls.
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    });
    server.addService(RuntimeServiceService, runtimeService(runtime, log));
    server.addService(ImageServiceService, imageService(runtime, log));
    const health = addHealth(server, {
      "": "SERVING",
      "k8ts.runtime.v1.RuntimeService": "SERVING",
      "k8ts.runtime.v1.ImageService": "SERVING",
    });
    addReflection(server, Buffer.from(descriptorSetBase64, "base64"));
    await bindUnixSocket(server, socketPath);
    return new RuntimeServer(server, health, runtime, socketPath);
  }

  /** Stops taking calls, ends the long ones, saves the state, removes the socket. */
  async stop(): Promise<void> {
    this.health.shutdown();
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    await this.runtime.close();
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
    });
    await Promise.race([drained, cut]);
    clearTimeout(timer);
    await rm(this.socketPath, { force: true });
  }
}
