export {
  NODE_LEASE_NAMESPACE,
  NodeLifecycleController,
  nodeLifecycleController,
} from "./node-lifecycle-controller.js";
export { TAINT_NOT_READY, TAINT_OUT_OF_SERVICE, TAINT_UNREACHABLE } from "./node-taints.js";
