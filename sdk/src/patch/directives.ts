// The directives of Kubernetes' strategic merge patch that k8ts supports, and the clear
// refusal of those it does not: a directive silently ignored would leave the object
// different from what the client asked for.
import { keyPath } from "../codec/violations.js";
import { InvalidPatchError } from "./errors.js";
import type { JsonObject, JsonValue } from "./json-value.js";

/** `$patch: replace|delete` on an object (a map, a message, a list item). */
export const PATCH_DIRECTIVE = "$patch";
/** `$deleteFromPrimitiveList/<field>: [values]` removes values from a list of scalars. */
export const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

export type PatchDirective = "replace" | "delete";

/** An object of a strategic merge patch, split into its directives and its members. */
export interface ObjectPatch {
  readonly directive: PatchDirective | undefined;
  readonly members: ReadonlyArray<readonly [string, JsonValue]>;
  /** Field name -> values to remove from that list. */
  readonly deleteFromPrimitiveList: ReadonlyArray<readonly [string, JsonValue]>;
}

/** Reads the directives of one patch object; throws InvalidPatchError for any it cannot honour. */
export function readObjectPatch(patch: JsonObject, path: string): ObjectPatch {
  let directive: PatchDirective | undefined;
  const members: Array<readonly [string, JsonValue]> = [];
  const deleteFromPrimitiveList: Array<readonly [string, JsonValue]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith("$")) {
      members.push([key, value]);
      continue;
    }
    const at = keyPath(path, key);
    if (key === PATCH_DIRECTIVE) {
      if (value !== "replace" && value !== "delete")
        throw new InvalidPatchError(
          `$patch must be "replace" or "delete", got ${JSON.stringify(value)}`,
          at,
        );
      directive = value;
    } else if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (field === "")
        throw new InvalidPatchError(
          `name the list after the slash: "${DELETE_FROM_PRIMITIVE_LIST}<field>"`,
          at,
        );
      deleteFromPrimitiveList.push([field, value]);
    } else if (key === "$retainKeys")
      throw new InvalidPatchError(
        "the $retainKeys directive is not supported (no k8ts field has the retainKeys strategy); " +
          "set the members to remove to null, or replace the object with $patch: replace",
        at,
      );
    else if (key.startsWith("$setElementOrder/"))
      throw new InvalidPatchError(
        "the $setElementOrder directive is not supported: merged lists keep the order of the " +
          "object, new items are appended; to reorder, replace the list with an item " +
          '{"$patch": "replace"}',
        at,
      );
    else
      throw new InvalidPatchError(
        `unknown directive ${JSON.stringify(key)} (supported: $patch, ` +
          `${DELETE_FROM_PRIMITIVE_LIST}<field>)`,
        at,
      );
  }
  return { directive, members, deleteFromPrimitiveList };
}

/** `{"$patch": "replace"}` alone, as an item of a list: replace the list with the other items. */
export function isListReplaceMarker(item: JsonObject): boolean {
  const keys = Object.keys(item);
  return keys.length === 1 && keys[0] === PATCH_DIRECTIVE && item[PATCH_DIRECTIVE] === "replace";
}
