// @k8ts/scheduler: the scheduling framework, its plugins, and the Scheduler that runs them
// against an apiserver. The executable is ./main.js; ./testing/ starts it for tests.
export * from "./framework/index.js";
export * from "./plugins/index.js";
export * from "./scheduler.js";
export * from "./scheduler-status.js";
export * from "./phase-latencies.js";
