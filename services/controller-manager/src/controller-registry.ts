// Every controller of the controller-manager, in the order they start, and the selection
// by --controllers (as kube-controller-manager: "*" is every controller, "-name" leaves
// one out, "name" adds one).
import type { ControllerDefinition } from "./controller.js";
import { replicaSetController } from "./controllers/replicaset/index.js";
import { deploymentController } from "./controllers/deployment/index.js";
import { endpointController } from "./controllers/endpoint/index.js";
import { nodeLifecycleController } from "./controllers/nodelifecycle/index.js";
import { podGcController } from "./controllers/podgc/index.js";
import { garbageCollectorController } from "./controllers/garbagecollector/index.js";
import { namespaceController } from "./controllers/namespace/index.js";

export const ALL_CONTROLLERS: readonly ControllerDefinition[] = [
  replicaSetController,
  deploymentController,
  endpointController,
  nodeLifecycleController,
  podGcController,
  garbageCollectorController,
  namespaceController,
];

export class UnknownControllerError extends Error {
  constructor(readonly controller: string) {
    super(
      `--controllers: unknown controller ${JSON.stringify(controller)} (known: ${ALL_CONTROLLERS.map((c) => c.name).join(", ")})`,
    );
    this.name = "UnknownControllerError";
  }
}

/** The definitions `--controllers` selects, e.g. ["*", "-podgc"] or ["replicaset"]. */
export function selectControllers(selection: readonly string[]): ControllerDefinition[] {
  const items = selection
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  const known = new Set(ALL_CONTROLLERS.map((c) => c.name));
  for (const item of items) {
    const name = item.replace(/^-/, "");
    if (name !== "*" && !known.has(name)) throw new UnknownControllerError(name);
  }
  const all = items.includes("*");
  const excluded = new Set(items.filter((i) => i.startsWith("-")).map((i) => i.slice(1)));
  const included = new Set(items.filter((i) => !i.startsWith("-") && i !== "*"));
  return ALL_CONTROLLERS.filter((c) => !excluded.has(c.name) && (all || included.has(c.name)));
}
