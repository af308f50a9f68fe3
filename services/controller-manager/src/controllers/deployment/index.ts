// The Deployment controller: rolls ReplicaSets from one pod template to the next.
import type { ControllerDefinition } from "../../controller.js";
import { DeploymentController } from "./deployment-controller.js";

export { DeploymentController, type DeploymentControllerOptions } from "./deployment-controller.js";

export const deploymentController: ControllerDefinition = {
  name: "deployment",
  kinds: ["Deployment", "ReplicaSet", "Pod"],
  create: (context) => new DeploymentController(context),
};
