// `set image`: the command line's `CONTAINER=IMAGE` pairs and the strategic merge patch
// that sets them in a Pod, or in the pod template of a ReplicaSet or Deployment. Containers
// and init containers are matched by name (`*`: all of them), as kubectl does; the patch
// names only the containers whose image changes, and is pinned to the version read.
import type { KindInfo } from "@k8ts/sdk";
import type { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { PodSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { CliError } from "../errors/cli-error.js";
import { pluralRef } from "../kinds/resource-names.js";

/** The kinds whose images `set image` changes, and where their pod spec is. */
const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: ["spec"],
  ReplicaSet: ["spec", "template", "spec"],
  Deployment: ["spec", "template", "spec"],
};

export function hasPodSpec(kind: KindInfo): boolean {
  return POD_SPEC_PATH[kind.kind] !== undefined;
}

/** kubectl's refusal of an object without containers. */
export function notPodTemplate(kind: KindInfo, name: string): string {
  return `${pluralRef(kind)} "${name}": the object is not a pod or does not have a pod template`;
}

export interface ImageArgs {
  /** The resource arguments (`deploy/web`, or `deployment web`). */
  readonly resources: readonly string[];
  /** Container name (or `*`) -> image, in the order given. */
  readonly images: ReadonlyMap<string, string>;
}

/** Splits `deploy/web web=nginx:1.25 sidecar=envoy:1.30` as kubectl does. */
export function parseImageArgs(args: readonly string[]): ImageArgs {
  const resources: string[] = [];
  const images = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq < 0) {
      if (images.size > 0)
        throw new CliError(`all resources must be specified before image changes: ${arg}`);
      resources.push(arg);
      continue;
    }
    const name = arg.slice(0, eq);
    const image = arg.slice(eq + 1);
    if (name === "" || image === "") throw new CliError(`invalid image format: ${arg}`);
    images.set(name, image);
  }
  if (resources.length === 0)
    throw new CliError(
      "one or more resources must be specified as <resource> <name> or <resource>/<name>",
    );
  if (images.size === 0) throw new CliError("at least one image update is required");
  if (images.size > 1 && images.has("*"))
    throw new CliError(
      "all containers are already specified by *, but saw more than one container_name=container_image pairs",
    );
  return { resources, images };
}

/** The pod spec of a Pod, ReplicaSet or Deployment object. */
export function podSpecOf(kind: KindInfo, object: unknown): PodSpec | undefined {
  let at: unknown = object;
  for (const key of POD_SPEC_PATH[kind.kind] ?? []) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === "object" && at !== null ? (at as PodSpec) : undefined;
}

function changed(
  containers: readonly Container[],
  images: ReadonlyMap<string, string>,
): { name: string; image: string }[] {
  const out: { name: string; image: string }[] = [];
  for (const c of containers) {
    const image = images.get("*") ?? images.get(c.name);
    if (image !== undefined && image !== c.image) out.push({ name: c.name, image });
  }
  return out;
}

/**
 * The patch setting `images` in `object`, or undefined when every image is already
 * set. A container name the object does not have is an error, and nothing is changed.
 */
export function imagePatch(
  kind: KindInfo,
  object: { metadata?: ObjectMeta | undefined },
  images: ReadonlyMap<string, string>,
): Record<string, unknown> | undefined {
  const path = POD_SPEC_PATH[kind.kind];
  if (path === undefined) throw new CliError(notPodTemplate(kind, object.metadata?.name ?? ""));
  const spec = podSpecOf(kind, object);
  const init = spec?.initContainers ?? [];
  const main = spec?.containers ?? [];
  for (const name of images.keys())
    if (name !== "*" && !init.some((c) => c.name === name) && !main.some((c) => c.name === name))
      throw new CliError(`unable to find container named "${name}"`);
  const containers = changed(main, images);
  const initContainers = changed(init, images);
  if (containers.length === 0 && initContainers.length === 0) return undefined;
  let patch: Record<string, unknown> = {
    ...(containers.length > 0 ? { containers } : {}),
    ...(initContainers.length > 0 ? { initContainers } : {}),
  };
  for (const key of [...path].reverse()) patch = { [key]: patch };
  // Pinned: the containers were matched against this version of the object.
  patch.metadata = { resourceVersion: object.metadata?.resourceVersion ?? "" };
  return patch;
}
