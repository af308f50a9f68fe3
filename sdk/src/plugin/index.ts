// What plugin executables (runtimes/*, cni/*) and their callers (kubelet, conformance
// suites) share: endpoints, socket binding, flags, the plugin main, the plumbing of plugin
// state (atomic files, coalesced saves, the CRI log format), errors mapped at the gRPC
// edge, and typed clients of both contracts. Imported as "@k8ts/sdk/plugin", it loads no
// more than a plugin needs (no API codec, descriptors registry or OpenTelemetry SDK).
export * from "./plugin-endpoint.js";
export * from "./plugin-socket.js";
export * from "./plugin-flags.js";
export * from "./plugin-main.js";
export * from "./plugin-errors.js";
export * from "./grpc-edge.js";
export * from "./atomic-file.js";
export * from "./coalesced-task.js";
export * from "./cri-log-format.js";
export * from "./unary-call.js";
export * from "./runtime-client.js";
export * from "./network-client.js";
export * from "./plugin-process.js";
export * from "./state-journal.js";
