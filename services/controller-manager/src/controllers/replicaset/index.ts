import type { ControllerDefinition } from "../../controller.js";
import { ReplicaSetController } from "./replicaset-controller.js";

export { ReplicaSetController } from "./replicaset-controller.js";

export const replicaSetController: ControllerDefinition = {
  name: "replicaset",
  kinds: ["ReplicaSet", "Pod"],
  create: (context) => new ReplicaSetController(context),
};
