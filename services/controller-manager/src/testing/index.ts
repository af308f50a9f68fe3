export * from "./controller-manager-process.js";
export * from "./test-kubelet.js";
