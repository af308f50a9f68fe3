// JSON data as the patch functions see it. Every input is checked and copied once, at
// the edge: the functions then work on private copies, so they never mutate what callers
// pass, never meet a `__proto__` key (assigning one would replace an object's prototype)
// and never recurse deeper than MAX_PATCH_DEPTH.
import { indexPath, keyPath } from "../codec/violations.js";
import { InvalidPatchError } from "./errors.js";

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Deepest nesting of objects and lists a patch or document may have. A Kubernetes-shaped
 * object nests about fifteen levels; the limit keeps recursion far from the stack limit.
 */
export const MAX_PATCH_DEPTH = 100;

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isJsonPrimitive(value: JsonValue | undefined): value is JsonPrimitive {
  return value === null || (typeof value !== "object" && value !== undefined);
}

/** The member `key` of `object` if it is the object's own (never an inherited property). */
export function member(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Structural equality of JSON values; object member order does not matter. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

type Fail = (path: string, problem: string) => never;

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") return String(value);
  if (typeof value === "object" && value !== null)
    return `a non-plain object (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value}`;
}

function copy(value: unknown, path: string, depth: number, fail: Fail): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail(path, `${value} is not a JSON number`);
    return value;
  }
  if (typeof value !== "object") return fail(path, `${describe(value)} is not JSON data`);
  if (depth >= MAX_PATCH_DEPTH) fail(path, `nested deeper than ${MAX_PATCH_DEPTH} levels`);
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length; i++)
      out.push(copy(value[i] as unknown, indexPath(path, i), depth + 1, fail));
    return out;
  }
  if (!isPlainObject(value)) return fail(path, `${describe(value)} is not JSON data`);
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "__proto__") fail(keyPath(path, key), "the key __proto__ is not allowed");
    // As JSON.stringify does: an undefined member is an absent one.
    if (item === undefined) continue;
    out[key] = copy(item, keyPath(path, key), depth + 1, fail);
  }
  return out;
}

/** A private copy of a patch (or a value inside one); InvalidPatchError when it is not JSON data. */
export function patchJson(value: unknown, path = ""): JsonValue {
  return copy(value, path, 0, (at, problem) => {
    throw new InvalidPatchError(problem, at);
  });
}

/**
 * A private copy of a document a patch applies to or is computed from (`what` names the
 * argument). Those come from encodeObject or JSON.parse, so anything else is a caller's
 * bug: TypeError.
 */
export function documentJson(value: unknown, what: string): JsonValue {
  return copy(value, "", 0, (at, problem) => {
    throw new TypeError(`${what}${at === "" ? "" : ` at ${at}`}: ${problem}`);
  });
}

/** Like documentJson, for documents that must be objects (manifests). */
export function documentObject(value: unknown, what: string): JsonObject {
  const json = documentJson(value, what);
  if (!isJsonObject(json)) throw new TypeError(`${what}: expected an object (a manifest)`);
  return json;
}
