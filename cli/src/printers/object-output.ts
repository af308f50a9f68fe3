// `-o yaml|json|name`: objects through the manifest codec, so what is printed applies
// again unchanged. One object named on the command line prints as itself; a listing
// prints as a `kind: List`, as kubectl does.
import { encodeObject, toJson, toYaml, type EncodableObject } from "@k8ts/sdk";
import { stringify } from "yaml";
import { objectRef } from "../kinds/resource-names.js";
import type { ApiObject } from "../kinds/resource-names.js";

export type ObjectFormat = "yaml" | "json";

function list(objects: readonly EncodableObject[]): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "List",
    items: objects.map((o) => encodeObject(o.kind, o.object)),
    metadata: { resourceVersion: "" },
  };
}

/** The text of `objects`: the object itself when `single`, a List otherwise. */
export function formatObjects(
  objects: readonly EncodableObject[],
  format: ObjectFormat,
  single: boolean,
): string {
  if (single && objects.length === 1) return format === "yaml" ? toYaml(objects) : toJson(objects);
  return format === "yaml"
    ? stringify(list(objects), { lineWidth: 0, aliasDuplicateObjects: false })
    : `${JSON.stringify(list(objects), null, 2)}\n`;
}

/** `deployment.apps/web` per object. */
export function formatNames(objects: readonly EncodableObject[]): string {
  return objects
    .map((o) => `${objectRef(o.kind, (o.object as ApiObject).metadata?.name ?? "")}\n`)
    .join("");
}
