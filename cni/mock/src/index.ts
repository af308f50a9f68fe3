// @k8ts/cni-mock: the mock network plugin's parts, for tests and tools that embed it.
// The executable is main.ts (k8ts-cni-mock).
export { AddressAllocator } from "./address-allocator.js";
export type { Allocation, AllocatorState } from "./address-allocator.js";
export { AllocationStore } from "./allocation-store.js";
export { networkService } from "./network-service.js";
