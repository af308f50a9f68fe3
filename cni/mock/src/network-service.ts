// NetworkPlugin of k8ts.network.v1 over the address allocator: Add allocates (idempotent
// per sandbox) and answers once the allocation is saved; Del and GC release; Check knows
// only whether the sandbox has an address (the mock configures nothing to check). Errors
// become status codes here, once.
import { status, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { AddResponse, NetworkPluginServer } from "@k8ts/sdk/gen/k8ts/network/v1/network.js";
import type { Logger } from "@k8ts/sdk/logging";
import { GrpcEdge, type StatusCodeOf } from "@k8ts/sdk/plugin";
import type { Allocation, AddressAllocator } from "./address-allocator.js";
import type { AllocationStore } from "./allocation-store.js";
import { PoolExhaustedError, UnknownSandboxError } from "./network-errors.js";

export const PLUGIN_NAME = "mock";

/** The status codes of the mock network's own errors. */
const networkStatusCode: StatusCodeOf = (err) => {
  if (err instanceof PoolExhaustedError) return status.RESOURCE_EXHAUSTED;
  if (err instanceof UnknownSandboxError) return status.NOT_FOUND;
  return undefined;
};

export function networkService(
  allocator: AddressAllocator,
  store: AllocationStore,
  log: Logger,
): NetworkPluginServer & UntypedServiceImplementation {
  const edge = new GrpcEdge(log, networkStatusCode);
  return {
    add: edge.unary("Add", async (req) => {
      const allocation = allocator.allocate(
        req.sandboxId,
        req.podCidrs,
        req.interfaceName === "" ? "eth0" : req.interfaceName,
      );
      await store.saved();
      return toAddResponse(allocation);
    }),
    del: edge.unary("Del", async (req) => {
      if (allocator.release(req.sandboxId)) await store.saved();
      return {};
    }),
    check: edge.unary("Check", (req) => {
      allocator.get(req.sandboxId);
      return {};
    }),
    status: edge.unary("Status", () => ({
      ready: true,
      reason: "",
      message: "",
      pluginName: PLUGIN_NAME,
    })),
    gc: edge.unary("GC", async (req) => {
      const released = allocator.gc(req.validSandboxIds);
      if (released.length > 0) await store.saved();
      return { releasedSandboxIds: released };
    }),
  };
}

function toAddResponse(a: Allocation): AddResponse {
  return {
    interfaces: [{ name: a.interfaceName, mac: "", sandbox: "" }],
    ips: [{ address: `${a.address}/${a.prefix}`, gateway: a.gateway, interface: 0 }],
    routes: [{ dst: "0.0.0.0/0", gw: a.gateway }],
  };
}
