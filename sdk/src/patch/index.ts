// Patches of objects in manifest form: JSON merge patch (RFC 7386), Kubernetes' strategic
// merge patch with `k8ts apply`'s three-way patch, and JSON patch (RFC 6902).
export { InvalidPatchError, PatchTestFailedError } from "./errors.js";
export { MAX_PATCH_DEPTH } from "./json-value.js";
export type { JsonObject, JsonPrimitive, JsonValue } from "./json-value.js";
export { applyMergePatch, createMergePatch } from "./merge-patch.js";
export { applyStrategicMergePatch } from "./strategic-merge-patch.js";
export { createThreeWayMergePatch } from "./three-way-merge.js";
export { applyJsonPatch } from "./json-patch.js";
export type { JsonPatchOperation } from "./json-patch.js";
export { listMergeRules } from "./patch-schema.js";
export type { ListMergeRule } from "./patch-schema.js";
