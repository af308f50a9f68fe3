// The mock network plugin on its unix socket: NetworkPlugin, plus the health and
// reflection services every k8ts server registers.
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
import { NetworkPluginService } from "@k8ts/sdk/gen/k8ts/network/v1/network.js";
import { AddressAllocator } from "./address-allocator.js";
import { AllocationStore } from "./allocation-store.js";
import { networkService } from "./network-service.js";

/** How long calls in flight get to finish on stop before they are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

export class NetworkServer {
  private constructor(
    private readonly server: Server,
    private readonly health: HealthReporter,
    private readonly store: AllocationStore,
    readonly allocator: AddressAllocator,
    readonly socketPath: string,
  ) {}

  /** Adopts the allocations in `stateDir` and serves on `socketPath`. */
  static async start(options: {
    readonly nodeName: string;
    readonly stateDir: string;
    readonly socketPath: string;
    readonly logger: Logger;
  }): Promise<NetworkServer> {
    const store = await AllocationStore.open(options.stateDir, options.nodeName, options.logger);
    const allocator = new AddressAllocator(store.loaded);
    store.attach(() => allocator.state());
    const server = new Server({
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    });
    server.addService(NetworkPluginService, networkService(allocator, store, options.logger));
    const health = addHealth(server, { "": "SERVING", "k8ts.network.v1.NetworkPlugin": "SERVING" });
    addReflection(server, Buffer.from(descriptorSetBase64, "base64"));
    await bindUnixSocket(server, options.socketPath);
    return new NetworkServer(server, health, store, allocator, options.socketPath);
  }

  /** Stops taking calls, lets those in flight finish, waits for saves, removes the socket. */
  async stop(): Promise<void> {
    this.health.shutdown();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.server.tryShutdown(() => resolve())),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    await this.store.idle();
    await rm(this.socketPath, { force: true });
  }
}
