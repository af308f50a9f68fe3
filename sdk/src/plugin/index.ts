// What plugin executables (runtimes/*, cni/*) and their callers (kubelet, conformance
// suites) share: endpoints, socket binding, flags, and typed clients of both contracts.
export * from "./plugin-endpoint.js";
export * from "./plugin-socket.js";
export * from "./plugin-flags.js";
export * from "./unary-call.js";
export * from "./runtime-client.js";
export * from "./network-client.js";
export * from "./plugin-process.js";
