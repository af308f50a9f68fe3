// Patch: the stored object in manifest form, the patch applied to it (merge, strategic
// merge or JSON patch), the result read back through the strict codec (so a patch is
// validated exactly like a manifest), then written like an Update, retrying when someone
// else wrote in between unless the patch pins a resourceVersion.
import {
  InvalidPatchError,
  ManifestError,
  PatchTestFailedError,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  decodeObject,
  encodeObject,
  type KindInfo,
} from "@k8ts/sdk";
import { ConflictError, InvalidError } from "../registry/api-errors.js";
import type { ApiObject } from "../registry/envelope.js";
import type { Registry, Written } from "../registry/registry.js";
import type { Obj } from "../registry/strategy.js";

export interface PatchInput {
  readonly namespace: string;
  readonly name: string;
  readonly patchType: string;
  readonly patch: string;
  readonly dryRun: boolean;
}

export const MERGE_PATCH = "application/merge-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";

export class Patcher {
  constructor(private readonly registry: Registry) {}

  async patch(kind: KindInfo, input: PatchInput): Promise<Written> {
    let document: unknown;
    try {
      document = JSON.parse(input.patch);
    } catch (e) {
      throw new InvalidError("patch", [
        { field: "patch", description: `Invalid value: not JSON: ${(e as Error).message}` },
      ]);
    }
    const pinned = pinnedVersion(input.patchType, document);
    const strategy = this.registry.strategy(kind);
    const namespace = kind.namespaced ? (input.namespace === "" ? "default" : input.namespace) : "";
    return this.registry.guaranteedUpdate(
      kind,
      namespace,
      input.name,
      { dryRun: input.dryRun },
      (current, revision) => {
        if (pinned !== undefined && pinned !== String(revision))
          throw new ConflictError(
            `Operation cannot be fulfilled on ${kind.plural} "${input.name}": the object has been modified; please apply your changes to the latest version and try again`,
          );
        if (current.metadata !== undefined) current.metadata.resourceVersion = String(revision);
        const manifest = encodeObject(kind, current);
        const patched = applyPatch(kind, input.patchType, manifest, document);
        const next = decodePatched(kind, patched);
        // Changes to status go through UpdateStatus, as for Update.
        if (strategy.hasStatus) next.status = current.status;
        return next;
      },
    );
  }
}

function pinnedVersion(patchType: string, document: unknown): string | undefined {
  if (patchType === JSON_PATCH || typeof document !== "object" || document === null)
    return undefined;
  const meta = (document as Record<string, unknown>).metadata;
  if (typeof meta !== "object" || meta === null) return undefined;
  const rv = (meta as Record<string, unknown>).resourceVersion;
  return typeof rv === "string" && rv !== "" ? rv : undefined;
}

function applyPatch(
  kind: KindInfo,
  patchType: string,
  manifest: unknown,
  document: unknown,
): unknown {
  try {
    switch (patchType) {
      case MERGE_PATCH:
        return applyMergePatch(manifest, document);
      case STRATEGIC_MERGE_PATCH:
        return applyStrategicMergePatch(kind.descriptor, manifest, document);
      case JSON_PATCH:
        return applyJsonPatch(manifest, document);
      default:
        throw new InvalidError("patch", [
          {
            field: "patchType",
            description: `Unsupported value: ${JSON.stringify(patchType)}: supported values: "${MERGE_PATCH}", "${STRATEGIC_MERGE_PATCH}", "${JSON_PATCH}"`,
          },
        ]);
    }
  } catch (e) {
    if (e instanceof InvalidPatchError)
      throw new InvalidError("patch", [
        { field: e.path === "" ? "patch" : e.path, description: e.problem },
      ]);
    if (e instanceof PatchTestFailedError) throw new ConflictError(e.message);
    throw e;
  }
}

function decodePatched(kind: KindInfo, patched: unknown): Obj {
  if (typeof patched === "object" && patched !== null) {
    // The patch may not change what the object is.
    const p = patched as Record<string, unknown>;
    p.apiVersion = kind.apiVersion;
    p.kind = kind.kind;
  }
  try {
    const [decoded] = decodeObject(patched);
    if (decoded === undefined)
      throw new InvalidError(kind.kind, [
        { field: "", description: "the patch removed the object" },
      ]);
    return decoded.object as ApiObject as Obj;
  } catch (e) {
    if (e instanceof ManifestError)
      throw new InvalidError(
        `${kind.kind} after patch`,
        e.violations.map(({ field, description }) => ({ field, description })),
      );
    throw e;
  }
}
