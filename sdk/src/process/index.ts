// Running as a k8ts process: flags, the supervisor's pipe and readiness, the status
// endpoint, and ComponentProcess (start a component as `k8ts up` does, for tests).
export * from "./flags.js";
export * from "./component-flags.js";
export * from "./parent-pipe.js";
export * from "./child-readiness.js";
export * from "./status-server.js";
export * from "./component-process.js";
