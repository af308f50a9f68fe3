// JSON merge patch (RFC 7386, `application/merge-patch+json`): the patch has the shape of
// the document; objects merge member by member, null removes a member, and anything
// else (a list, a scalar) replaces what was there.
import {
  documentJson,
  isJsonObject,
  jsonEqual,
  member,
  patchJson,
  type JsonObject,
  type JsonValue,
} from "./json-value.js";

/**
 * Applies an RFC 7386 merge patch to a copy of `target` (undefined: no document yet) and
 * returns the copy. Lists are replaced whole; use a strategic merge patch to change one
 * container of a list. Throws InvalidPatchError when the patch is not JSON data.
 */
export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  const doc = target === undefined ? undefined : documentJson(target, "target");
  return merge(doc, patchJson(patch));
}

// Both arguments are private copies: merging in place is safe.
function merge(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merge(member(out, key), value);
  }
  return out;
}

/**
 * The merge patch that turns `original` into `modified`: `{}` when they are equal, the
 * changed members when both are objects, `modified` itself otherwise. A merge patch
 * cannot set a member to null, so a null member of `modified` counts as absent (as
 * in manifests, where null means "not set").
 */
export function createMergePatch(original: unknown, modified: unknown): JsonValue {
  return diff(documentJson(original, "original"), documentJson(modified, "modified"));
}

function diff(original: JsonValue, modified: JsonValue): JsonValue {
  if (!isJsonObject(original) || !isJsonObject(modified)) return modified;
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(original)) {
    const now = member(modified, key);
    if (value !== null && (now === undefined || now === null)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(modified)) {
    if (value === null) continue;
    const before = member(original, key);
    if (before === undefined || before === null) patch[key] = value;
    else if (isJsonObject(before) && isJsonObject(value)) {
      const sub = diff(before, value);
      if (isJsonObject(sub) && Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!jsonEqual(before, value)) patch[key] = value;
  }
  return patch;
}
