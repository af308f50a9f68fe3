export { PodGcController, podGcController } from "./pod-gc-controller.js";
