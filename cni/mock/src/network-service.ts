// NetworkPlugin of k8ts.network.v1 over the address allocator: Add allocates (idempotent
// per sandbox) and answers once the allocation is saved; Del and GC release; Check knows
// only whether the sandbox has an address (the mock configures nothing to check). Errors
// become status codes here, once.
import {
  status,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type StatusObject,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "@k8ts/sdk";
import type { AddResponse, NetworkPluginServer } from "@k8ts/sdk/gen/k8ts/network/v1/network.js";
import type { Allocation, AddressAllocator } from "./address-allocator.js";
import type { AllocationStore } from "./allocation-store.js";
import {
  InvalidRequestError,
  PoolExhaustedError,
  StateFileError,
  UnknownSandboxError,
} from "./network-errors.js";

export const PLUGIN_NAME = "mock";

function toGrpcError(
  err: unknown,
  log: Logger,
  method: string,
): Pick<StatusObject, "code" | "details"> {
  const details = err instanceof Error ? err.message : String(err);
  if (err instanceof InvalidRequestError) return { code: status.INVALID_ARGUMENT, details };
  if (err instanceof PoolExhaustedError) return { code: status.RESOURCE_EXHAUSTED, details };
  if (err instanceof UnknownSandboxError) return { code: status.NOT_FOUND, details };
  if (err instanceof StateFileError) return { code: status.INTERNAL, details };
  log.error({ err, method }, "unexpected error");
  return { code: status.INTERNAL, details };
}

function unary<Req, Res>(
  log: Logger,
  method: string,
  handle: (request: Req) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    void Promise.resolve()
      .then(() => handle(call.request))
      .then(
        (response) => callback(null, response),
        (err: unknown) => callback(toGrpcError(err, log, method)),
      );
  };
}

export function networkService(
  allocator: AddressAllocator,
  store: AllocationStore,
  log: Logger,
): NetworkPluginServer & UntypedServiceImplementation {
  return {
    add: unary(log, "Add", async (req) => {
      const allocation = allocator.allocate(
        req.sandboxId,
        req.podCidrs,
        req.interfaceName === "" ? "eth0" : req.interfaceName,
      );
      await store.saved();
      return toAddResponse(allocation);
    }),
    del: unary(log, "Del", async (req) => {
      if (allocator.release(req.sandboxId)) await store.saved();
      return {};
    }),
    check: unary(log, "Check", (req) => {
      allocator.get(req.sandboxId);
      return {};
    }),
    status: unary(log, "Status", () => ({
      ready: true,
      reason: "",
      message: "",
      pluginName: PLUGIN_NAME,
    })),
    gc: unary(log, "GC", async (req) => {
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
