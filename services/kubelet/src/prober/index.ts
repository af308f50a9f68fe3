// The kubelet's prober: liveness, readiness and startup probes of running containers.
export { ProbeManager } from "./probe-manager.js";
export type { ProbeManagerOptions } from "./probe-manager.js";
export type { ProbeEventReason, ProbeFailure, ProbeTarget } from "./container-probes.js";
export type { ExecSyncRuntime } from "./exec-probe.js";
export type { ProbeKind } from "./probe-settings.js";
