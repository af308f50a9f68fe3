export * from "./controller.js";
export * from "./queue-controller.js";
export * from "./controller-manager.js";
export * from "./controller-manager-status.js";
export * from "./controller-registry.js";
