export { runStoreConformance } from "./store-conformance.js";
export type {
  ChildStoreModule,
  ConformanceOpenOptions,
  StoreCapability,
  StoreHarness,
} from "./harness.js";
export { waitFor, eventLoopTurns } from "./wait-for.js";
