// What `k8ts apply` does to one object, decided without talking to the server: create it,
// patch it by a three-way strategic merge against the manifest applied last time (kept
// in the last-applied-configuration annotation, as kubectl keeps it), or leave it.
//
// Every input is normalized by the codec (decode, then encodeObject) so that equal
// values compare equal ("0.5Gi" and "512Mi"). Fields the server owns (uid,
// resourceVersion, generation, timestamps, status) are never part of an applied
// manifest, so output of `k8ts get -o yaml` applies as "unchanged".
import {
  ManifestError,
  createThreeWayMergePatch,
  decodeObject,
  encodeObject,
  type JsonObject,
  type KindInfo,
} from "@k8ts/sdk";

/** kubectl's annotation: the manifest applied last, as JSON. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** Metadata the server sets; never applied, never recorded. */
const SERVER_METADATA = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
] as const;

type Manifest = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function metadataOf(manifest: Manifest): Record<string, unknown> {
  const meta = manifest.metadata;
  return isRecord(meta) ? meta : {};
}

function annotationsOf(manifest: Manifest): Record<string, unknown> {
  const annotations = metadataOf(manifest).annotations;
  return isRecord(annotations) ? annotations : {};
}

/** Whether a decoded manifest carries server-set identity (output of `get -o yaml`). */
export function isExported(object: unknown): boolean {
  if (!isRecord(object) || !isRecord(object.metadata)) return false;
  const { uid, resourceVersion } = object.metadata;
  return (
    (typeof uid === "string" && uid !== "") ||
    (typeof resourceVersion === "string" && resourceVersion !== "")
  );
}

/**
 * The manifest form apply sends and records: the codec's encoding of `object` without
 * server-set fields, `status` or the last-applied annotation, in `namespace` when the kind
 * is namespaced and the manifest names none.
 */
export function appliedManifest(kind: KindInfo, object: unknown, namespace: string): Manifest {
  const encoded = encodeObject(kind, object);
  const meta: Record<string, unknown> = { ...metadataOf(encoded) };
  for (const key of SERVER_METADATA) delete meta[key];
  const annotations = { ...annotationsOf(encoded) };
  delete annotations[LAST_APPLIED];
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  else delete meta.annotations;
  if (kind.namespaced && (typeof meta.namespace !== "string" || meta.namespace === ""))
    meta.namespace = namespace;
  const manifest: Manifest = { ...encoded, metadata: meta };
  delete manifest.status;
  return manifest;
}

/** The manifest with the last-applied annotation recording itself. */
export function withLastApplied(manifest: Manifest): Manifest {
  const meta = metadataOf(manifest);
  return {
    ...manifest,
    metadata: {
      ...meta,
      annotations: { ...annotationsOf(manifest), [LAST_APPLIED]: `${JSON.stringify(manifest)}\n` },
    },
  };
}

/** The manifest with the annotation set to `value`, or without it when undefined. */
function withAnnotation(manifest: Manifest, value: string | undefined): Manifest {
  const annotations = { ...annotationsOf(manifest) };
  if (value === undefined) delete annotations[LAST_APPLIED];
  else annotations[LAST_APPLIED] = value;
  const meta: Record<string, unknown> = { ...metadataOf(manifest), annotations };
  if (Object.keys(annotations).length === 0) delete meta.annotations;
  return { ...manifest, metadata: meta };
}

/** The typed object of a manifest in applied form, as the API takes it. */
export function typedObject(manifest: Manifest): unknown {
  const [decoded] = decodeObject(manifest);
  if (decoded === undefined) throw new Error("a manifest decoded to no object");
  return decoded.object;
}

export type ApplyAction =
  | { readonly type: "create"; readonly manifest: Manifest }
  | { readonly type: "patch"; readonly patch: JsonObject; readonly missingLastApplied: boolean }
  | { readonly type: "unchanged" };

export interface ApplyPlan {
  readonly action: ApplyAction;
  /** Things worth telling the user, e.g. an unreadable last-applied annotation. */
  readonly warnings: readonly string[];
}

/** The last applied manifest recorded on `live`, normalized; undefined if none or unusable. */
function lastAppliedOf(
  kind: KindInfo,
  live: Manifest,
  namespace: string,
  warnings: string[],
): Manifest | undefined {
  const text = annotationsOf(live)[LAST_APPLIED];
  if (typeof text !== "string" || text === "") return undefined;
  try {
    const [decoded] = decodeObject(JSON.parse(text));
    if (decoded?.kind !== kind) throw new Error(`it is not a ${kind.kind}`);
    return appliedManifest(kind, decoded.object, namespace);
  } catch (e) {
    const why = e instanceof ManifestError || e instanceof Error ? e.message : String(e);
    warnings.push(
      `the ${LAST_APPLIED} annotation cannot be read (${why.split("\n")[0] ?? ""}); ` +
        "fields removed from the manifest since the last apply are not deleted",
    );
    return undefined;
  }
}

/**
 * Plans applying `manifest` (from appliedManifest) over `live` (the typed object on the
 * server, or undefined when there is none). `exported`: the input carried server-set
 * identity (a `get -o yaml` document); then only a change to the object itself is
 * written, never just a new last-applied annotation full of server defaults.
 */
export function planApply(
  kind: KindInfo,
  manifest: Manifest,
  live: unknown,
  exported: boolean,
): ApplyPlan {
  if (live === undefined)
    return { action: { type: "create", manifest: withLastApplied(manifest) }, warnings: [] };
  const warnings: string[] = [];
  const namespace = metadataOf(manifest).namespace;
  const liveManifest = encodeObject(kind, live);
  const last = lastAppliedOf(
    kind,
    liveManifest,
    typeof namespace === "string" ? namespace : "",
    warnings,
  );
  const patch = createThreeWayMergePatch(
    kind.descriptor,
    last,
    withLastApplied(manifest),
    liveManifest,
  );
  if (patch === undefined) return { action: { type: "unchanged" }, warnings };
  const recorded = annotationsOf(liveManifest)[LAST_APPLIED];
  const objectPatch = createThreeWayMergePatch(
    kind.descriptor,
    last,
    withAnnotation(manifest, typeof recorded === "string" ? recorded : undefined),
    liveManifest,
  );
  if (objectPatch === undefined && exported) return { action: { type: "unchanged" }, warnings };
  return {
    action: { type: "patch", patch, missingLastApplied: typeof recorded !== "string" },
    warnings,
  };
}
