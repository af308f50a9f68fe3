// `k8ts apply`'s patch, computed client-side as kubectl does: from the configuration
// applied last time (kept on the object), the manifest applied now, and the live object.
// What the manifest dropped since last time is deleted; what it sets differently from the
// live object is set; what only the live object has (server defaults, allocations,
// status, changes by other clients to fields the manifest leaves out) is left alone.
import type { DescMessage } from "@bufbuild/protobuf";
import { DELETE_FROM_PRIMITIVE_LIST, PATCH_DIRECTIVE } from "./directives.js";
import {
  documentObject,
  isJsonObject,
  isJsonPrimitive,
  jsonEqual,
  member,
  type JsonObject,
  type JsonPrimitive,
  type JsonValue,
} from "./json-value.js";
import { childSchema, type PatchSchema } from "./patch-schema.js";

type ListSchema = Extract<PatchSchema, { kind: "list" }>;

/**
 * The strategic merge patch that applies `modified` (the manifest now) to `live` (the
 * object as the server has it), given `lastApplied` (the manifest applied last time, or
 * undefined when there is none): apply it with applyStrategicMergePatch, or send it as
 * "application/strategic-merge-patch+json". undefined when nothing would change.
 *
 * All three are objects in manifest form of the kind whose message is `descriptor`.
 * Pass them normalized by the codec (encodeObject of the decoded object), so that
 * `0.5Gi` and `512Mi`, or `paused: false` and no `paused`, compare equal; null members
 * count as absent.
 *
 * - A member of `lastApplied` that `modified` lacks is deleted (null), if `live` has it;
 *   an item of a keyed list (containers by name) with `{key, "$patch": "delete"}`; a value
 *   of a set (finalizers) with `$deleteFromPrimitiveList/<field>`.
 * - A member of `modified` that differs from `live` is set: objects member by member,
 *   keyed lists item by item, other lists whole.
 * - Members only `live` has are left alone.
 */
export function createThreeWayMergePatch(
  descriptor: DescMessage,
  lastApplied: unknown,
  modified: unknown,
  live: unknown,
): JsonObject | undefined {
  const last =
    lastApplied === undefined
      ? undefined
      : withoutNulls(documentObject(lastApplied, "lastApplied"));
  const patch = diffObject(
    { kind: "message", message: descriptor },
    last,
    withoutNulls(documentObject(modified, "modified")),
    documentObject(live, "live"),
  );
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** In manifests null means "not set": drop null members, at every depth. */
function withoutNulls(object: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object))
    if (value !== null) out[key] = stripValue(value);
  return out;
}

function stripValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(stripValue);
  return isJsonObject(value) ? withoutNulls(value) : value;
}

function diffObject(
  schema: PatchSchema,
  last: JsonObject | undefined,
  modified: JsonObject,
  live: JsonObject,
): JsonObject {
  const patch: JsonObject = {};
  if (last !== undefined)
    for (const key of Object.keys(last))
      if (!Object.hasOwn(modified, key) && Object.hasOwn(live, key) && live[key] !== null)
        patch[key] = null;
  for (const [key, want] of Object.entries(modified)) {
    const have = member(live, key);
    if (have === undefined || have === null) {
      patch[key] = want;
      continue;
    }
    const field = childSchema(schema, key);
    const before = last === undefined ? undefined : member(last, key);
    if (isJsonObject(want) && isJsonObject(have)) {
      const sub = diffObject(field, isJsonObject(before) ? before : undefined, want, have);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (Array.isArray(want) && Array.isArray(have)) {
      const previous = Array.isArray(before) ? before : undefined;
      if (field.kind === "list" && field.mergeKey !== "")
        diffKeyedList(field, key, previous, want, have, patch);
      else if (field.kind === "list" && field.set) diffSet(key, previous, want, have, patch);
      else if (atomicListChanged(previous, want, have)) patch[key] = want;
    } else if (!jsonEqual(want, have)) patch[key] = want;
  }
  return patch;
}

/**
 * A list replaced whole changes when the manifest's list differs from the live one,
 * unless the manifest did not change it since last time and the live list only adds
 * members to its items (server defaults such as a port's protocol).
 */
function atomicListChanged(
  last: JsonValue[] | undefined,
  modified: JsonValue[],
  live: JsonValue[],
): boolean {
  if (jsonEqual(modified, live)) return false;
  return !(last !== undefined && jsonEqual(modified, last) && contains(live, modified));
}

/** Whether `big` has everything `small` has: same lists, objects with more members. */
function contains(big: JsonValue, small: JsonValue): boolean {
  if (Array.isArray(small))
    return (
      Array.isArray(big) &&
      big.length === small.length &&
      small.every((s, i) => contains(big[i] ?? null, s))
    );
  if (isJsonObject(small))
    return (
      isJsonObject(big) &&
      Object.entries(small).every(([k, v]) => Object.hasOwn(big, k) && contains(big[k] ?? null, v))
    );
  return jsonEqual(big, small);
}

function diffKeyedList(
  schema: ListSchema,
  field: string,
  last: JsonValue[] | undefined,
  modified: JsonValue[],
  live: JsonValue[],
  patch: JsonObject,
): void {
  const key = schema.mergeKey;
  const lastItems = last === undefined ? new Map<JsonPrimitive, JsonObject>() : byKey(last, key);
  const wanted = byKey(modified, key);
  const current = byKey(live, key);
  if (lastItems === undefined || wanted === undefined || current === undefined) {
    // Items without their key, or two with one key (TCP and UDP on port 53): they cannot
    // be matched, so the list is replaced whole when it changed.
    if (atomicListChanged(last, modified, live))
      patch[field] = [{ [PATCH_DIRECTIVE]: "replace" }, ...modified];
    return;
  }
  const items: JsonValue[] = [];
  for (const id of lastItems.keys())
    if (!wanted.has(id) && current.has(id)) items.push({ [key]: id, [PATCH_DIRECTIVE]: "delete" });
  for (const [id, want] of wanted) {
    const have = current.get(id);
    if (have === undefined) {
      items.push(want);
      continue;
    }
    const sub = diffObject(schema.item, lastItems.get(id), want, have);
    if (Object.keys(sub).length > 0) items.push({ [key]: id, ...sub });
  }
  if (items.length > 0) patch[field] = items;
}

/** Items by their merge key; undefined when an item lacks it or shares it with another. */
function byKey(list: JsonValue[], key: string): Map<JsonPrimitive, JsonObject> | undefined {
  const items = new Map<JsonPrimitive, JsonObject>();
  for (const item of list) {
    if (!isJsonObject(item)) return undefined;
    const id = member(item, key);
    if (id === undefined || id === null || !isJsonPrimitive(id) || items.has(id)) return undefined;
    items.set(id, item);
  }
  return items;
}

function diffSet(
  field: string,
  last: JsonValue[] | undefined,
  modified: JsonValue[],
  live: JsonValue[],
  patch: JsonObject,
): void {
  const has = (list: JsonValue[], value: JsonValue): boolean =>
    list.some((x) => jsonEqual(x, value));
  const added: JsonValue[] = [];
  for (const value of modified) if (!has(live, value) && !has(added, value)) added.push(value);
  const removed: JsonValue[] = [];
  for (const value of last ?? [])
    if (!has(modified, value) && has(live, value) && !has(removed, value)) removed.push(value);
  if (added.length > 0) patch[field] = added;
  if (removed.length > 0) patch[`${DELETE_FROM_PRIMITIVE_LIST}${field}`] = removed;
}
