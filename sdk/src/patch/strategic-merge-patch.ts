// Kubernetes' strategic merge patch (`application/strategic-merge-patch+json`): a JSON
// merge patch that knows the model. Lists whose field has a merge key (containers by
// name, env by name, conditions by type...) merge item by item; lists marked as sets
// (finalizers) gain values; every other list is replaced whole, as in Kubernetes.
// Directives: `$patch: delete|replace` on an object or list item, a `{"$patch":
// "replace"}` item replacing a whole list, and `$deleteFromPrimitiveList/<field>`.
import type { DescMessage } from "@bufbuild/protobuf";
import { indexPath, keyPath } from "../codec/violations.js";
import {
  DELETE_FROM_PRIMITIVE_LIST,
  PATCH_DIRECTIVE,
  isListReplaceMarker,
  readObjectPatch,
} from "./directives.js";
import { InvalidPatchError } from "./errors.js";
import {
  documentObject,
  isJsonObject,
  isJsonPrimitive,
  jsonEqual,
  member,
  patchJson,
  type JsonObject,
  type JsonValue,
} from "./json-value.js";
import { UNKNOWN, childSchema, oneofAlternatives, type PatchSchema } from "./patch-schema.js";

type ListSchema = Extract<PatchSchema, { kind: "list" }>;

/** What merging yields for an object carrying `$patch: delete`: remove it. */
const DELETE = Symbol("delete");
type Merged<T> = T | typeof DELETE;

const REPLACED_LIST: ListSchema = { kind: "list", item: UNKNOWN, mergeKey: "", set: false };

/**
 * Applies a strategic merge patch to a copy of `target`, an object in manifest form (as
 * encodeObject produces it) of the kind whose message is `descriptor`
 * (`lookupKind("Deployment").descriptor`), and returns the copy.
 *
 * Throws InvalidPatchError when the patch is not a JSON object, uses a directive k8ts
 * does not support, lacks a merge key where one is needed, or deletes the whole object.
 * The result is not validated: decode it (decodeObject) to check every field.
 */
export function applyStrategicMergePatch(
  descriptor: DescMessage,
  target: unknown,
  patch: unknown,
): JsonObject {
  const doc = documentObject(target, "target");
  const changes = patchJson(patch);
  if (!isJsonObject(changes))
    throw new InvalidPatchError("a strategic merge patch must be a JSON object", "");
  const result = mergeObject({ kind: "message", message: descriptor }, doc, changes, "");
  if (result === DELETE)
    throw new InvalidPatchError(
      "$patch: delete at the top level would delete the object: use Delete instead",
      "",
    );
  return result;
}

// `target` and `patch` are private copies (see json-value.ts): merging in place is safe.
function mergeObject(
  schema: PatchSchema,
  target: JsonObject | undefined,
  patch: JsonObject,
  path: string,
): Merged<JsonObject> {
  const { directive, members, deleteFromPrimitiveList } = readObjectPatch(patch, path);
  if (directive === "delete") return DELETE;
  const out: JsonObject = directive === "replace" || target === undefined ? {} : target;
  for (const [field, values] of deleteFromPrimitiveList)
    deleteValues(schema, out, field, values, path);
  const set: string[] = [];
  for (const [key, value] of members) {
    if (value === null) {
      delete out[key];
      continue;
    }
    const merged = mergeValue(
      childSchema(schema, key),
      member(out, key),
      value,
      keyPath(path, key),
    );
    if (merged === DELETE) delete out[key];
    else {
      out[key] = merged;
      set.push(key);
    }
  }
  // Setting one member of a oneof (a probe's exec where it had httpGet) replaces the
  // member that was set: keeping both would make the object invalid.
  for (const key of set)
    for (const alternative of oneofAlternatives(schema, key))
      if (!set.includes(alternative)) delete out[alternative];
  return out;
}

function mergeValue(
  schema: PatchSchema,
  target: JsonValue | undefined,
  patch: JsonValue,
  path: string,
): Merged<JsonValue> {
  if (isJsonObject(patch))
    return mergeObject(schema, isJsonObject(target) ? target : undefined, patch, path);
  if (Array.isArray(patch)) {
    const list = schema.kind === "list" ? schema : REPLACED_LIST;
    const current = Array.isArray(target) ? target : undefined;
    if (list.mergeKey !== "") return mergeKeyedList(list, current, patch, path);
    if (list.set) return mergeSet(current, patch, path);
    return replaceList(list.item, patch, path);
  }
  return patch;
}

function mergeKeyedList(
  schema: ListSchema,
  target: JsonValue[] | undefined,
  patch: JsonValue[],
  path: string,
): JsonValue[] {
  const key = schema.mergeKey;
  const items: Array<{ item: JsonObject; at: string }> = [];
  let replace = false;
  patch.forEach((item, i) => {
    const at = indexPath(path, i);
    if (!isJsonObject(item))
      throw new InvalidPatchError(
        `expected an object: the items of this list are merged by their "${key}"`,
        at,
      );
    if (isListReplaceMarker(item)) replace = true;
    else items.push({ item, at });
  });
  const out: JsonValue[] = replace ? [] : [...(target ?? [])];
  for (const { item, at } of items) {
    if (replace) {
      if (member(item, PATCH_DIRECTIVE) === "delete")
        throw new InvalidPatchError(
          'an item with $patch: delete has no effect in a list that {"$patch": "replace"} replaces',
          at,
        );
      const merged = mergeObject(schema.item, undefined, item, at);
      if (merged !== DELETE) out.push(merged);
      continue;
    }
    const id = member(item, key);
    if (id === undefined || id === null)
      throw new InvalidPatchError(`an item of this list needs its merge key "${key}"`, at);
    if (!isJsonPrimitive(id))
      throw new InvalidPatchError(`the merge key "${key}" must be a string or a number`, at);
    const index = out.findIndex((x) => isJsonObject(x) && member(x, key) === id);
    const existing = index >= 0 ? out[index] : undefined;
    const merged = mergeObject(
      schema.item,
      isJsonObject(existing) ? existing : undefined,
      item,
      at,
    );
    if (merged === DELETE) {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) out[index] = merged;
    else out.push(merged);
  }
  return out;
}

function mergeSet(target: JsonValue[] | undefined, patch: JsonValue[], path: string): JsonValue[] {
  const out = [...(target ?? [])];
  patch.forEach((value, i) => {
    if (!isJsonPrimitive(value))
      throw new InvalidPatchError(
        `expected a scalar: this list is a set of values (remove values with ${DELETE_FROM_PRIMITIVE_LIST}<field>)`,
        indexPath(path, i),
      );
    if (!out.some((x) => jsonEqual(x, value))) out.push(value);
  });
  return out;
}

/** A list without a merge key: the patch's list, its objects stripped of directives. */
function replaceList(item: PatchSchema, patch: JsonValue[], path: string): JsonValue[] {
  const out: JsonValue[] = [];
  patch.forEach((value, i) => {
    const at = indexPath(path, i);
    if (isJsonObject(value)) {
      if (isListReplaceMarker(value)) return; // the list is replaced anyway
      const merged = mergeObject(item, undefined, value, at);
      if (merged === DELETE)
        throw new InvalidPatchError(
          "$patch: delete needs a list with a merge key; this list has none and is replaced whole",
          at,
        );
      out.push(merged);
    } else if (Array.isArray(value)) out.push(replaceList(UNKNOWN, value, at));
    else out.push(value);
  });
  return out;
}

function deleteValues(
  schema: PatchSchema,
  out: JsonObject,
  field: string,
  values: JsonValue,
  path: string,
): void {
  const at = keyPath(path, `${DELETE_FROM_PRIMITIVE_LIST}${field}`);
  if (!Array.isArray(values) || !values.every(isJsonPrimitive))
    throw new InvalidPatchError("expected a list of scalars, the values to remove", at);
  const list = childSchema(schema, field);
  if (list.kind === "list" && list.item.kind !== "scalar")
    throw new InvalidPatchError(
      list.mergeKey === ""
        ? `${field} is a list of objects without a merge key: send the whole list instead`
        : `${field} is a list of objects: delete an item with {"${list.mergeKey}": ..., "$patch": "delete"}`,
      at,
    );
  if (list.kind !== "list" && list.kind !== "unknown")
    throw new InvalidPatchError(`${field} is not a list`, at);
  const current = member(out, field);
  if (Array.isArray(current))
    out[field] = current.filter((v) => !values.some((d) => jsonEqual(d, v)));
}
