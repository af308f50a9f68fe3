// JSON patch (RFC 6902, `application/json-patch+json`): a list of operations applied in
// order to a copy of the document; all of them apply or none does.
import { InvalidPatchError, PatchTestFailedError } from "./errors.js";
import { formatPointer, listIndex, parsePointer } from "./json-pointer.js";
import {
  MAX_PATCH_DEPTH,
  documentJson,
  isJsonObject,
  jsonEqual,
  member,
  patchJson,
  type JsonValue,
} from "./json-value.js";

/** One RFC 6902 operation, as a client writes it. */
export type JsonPatchOperation =
  | { readonly op: "add"; readonly path: string; readonly value: JsonValue }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "replace"; readonly path: string; readonly value: JsonValue }
  | { readonly op: "move"; readonly from: string; readonly path: string }
  | { readonly op: "copy"; readonly from: string; readonly path: string }
  | { readonly op: "test"; readonly path: string; readonly value: JsonValue };

const OPS = ["add", "remove", "replace", "move", "copy", "test"] as const;
type OpName = (typeof OPS)[number];

/**
 * Most list and object nodes `copy` operations may create in one patch: copying a value
 * into itself doubles it, so a few dozen operations could otherwise exhaust memory.
 */
const MAX_COPIED_NODES = 100_000;

interface Operation {
  readonly index: number;
  readonly op: OpName;
  readonly pathText: string;
  readonly path: readonly string[];
  readonly from: readonly string[];
  readonly value: JsonValue;
}

/**
 * Applies an RFC 6902 JSON patch (`operations`: a list of JsonPatchOperation, typically
 * parsed from the request) to a copy of `target` and returns the copy; `target` is not
 * changed.
 *
 * Throws InvalidPatchError naming the operation's index for a malformed operation or a
 * path that does not exist, and PatchTestFailedError when a `test` operation fails.
 */
export function applyJsonPatch(target: unknown, operations: unknown): JsonValue {
  const ops = parseOperations(operations);
  let doc = documentJson(target, "target");
  const budget = { copied: 0 };
  for (const op of ops) doc = applyOperation(doc, op, budget);
  return doc;
}

function parseOperations(operations: unknown): Operation[] {
  const list = patchJson(operations);
  if (!Array.isArray(list))
    throw new InvalidPatchError("a JSON patch must be a list of operations", "");
  return list.map((raw, index) => {
    const fail = (problem: string): never => {
      throw new InvalidPatchError(problem, "", index);
    };
    if (!isJsonObject(raw)) return fail("expected an operation object, e.g. {op, path, value}");
    const op = member(raw, "op");
    if (typeof op !== "string" || !isOpName(op))
      return fail(`"op" must be one of ${OPS.join(", ")}; got ${JSON.stringify(op ?? null)}`);
    const pathText = member(raw, "path");
    if (typeof pathText !== "string")
      return fail(`"path" is required and must be a string (a JSON pointer)`);
    const path = parsePointer(pathText, index);
    let from: string[] = [];
    if (op === "move" || op === "copy") {
      const fromText = member(raw, "from");
      if (typeof fromText !== "string")
        return fail(`"from" is required for "${op}" and must be a string (a JSON pointer)`);
      from = parsePointer(fromText, index);
    }
    let value: JsonValue = null;
    if (op === "add" || op === "replace" || op === "test") {
      if (!Object.hasOwn(raw, "value")) return fail(`"value" is required for "${op}"`);
      value = raw.value ?? null;
    }
    // Members an operation does not define are ignored (RFC 6902 section 4).
    return { index, op, pathText, path, from, value };
  });
}

function isOpName(name: string): name is OpName {
  return (OPS as readonly string[]).includes(name);
}

function applyOperation(doc: JsonValue, op: Operation, budget: { copied: number }): JsonValue {
  const fail = (problem: string, at: readonly string[] = op.path): never => {
    throw new InvalidPatchError(`${op.op}: ${problem}`, formatPointer(at), op.index);
  };
  switch (op.op) {
    case "add":
      checkDepth(op.path, op.value, fail);
      return add(doc, op.path, op.value, fail);
    case "remove":
      return remove(doc, op.path, fail);
    case "replace":
      checkDepth(op.path, op.value, fail);
      if (get(doc, op.path) === undefined) fail("path does not exist");
      if (op.path.length === 0) return op.value;
      return add(remove(doc, op.path, fail), op.path, op.value, fail);
    case "move": {
      if (isPrefix(op.from, op.path) && op.from.length < op.path.length)
        fail("cannot move a value into one of its own children", op.from);
      const value = get(doc, op.from);
      if (value === undefined) return fail("path does not exist", op.from);
      if (op.from.length === op.path.length && isPrefix(op.from, op.path)) return doc;
      checkDepth(op.path, value, fail);
      return add(remove(doc, op.from, fail), op.path, value, fail);
    }
    case "copy": {
      const value = get(doc, op.from);
      if (value === undefined) return fail("path does not exist", op.from);
      const shape = measure(value);
      budget.copied += shape.nodes;
      if (budget.copied > MAX_COPIED_NODES)
        fail(`copies more than ${MAX_COPIED_NODES} objects and lists in one patch`);
      checkDepth(op.path, value, fail);
      return add(doc, op.path, structuredClone(value), fail);
    }
    case "test": {
      const found = get(doc, op.path);
      if (found === undefined) throw new PatchTestFailedError(op.index, op.pathText, "no value");
      if (!jsonEqual(found, op.value))
        throw new PatchTestFailedError(op.index, op.pathText, `found ${abbreviate(found)}`);
      return doc;
    }
  }
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((t, i) => t === path[i]);
}

/** The value at `path`, or undefined when there is none. */
function get(doc: JsonValue, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = doc;
  for (const token of path) {
    if (Array.isArray(current)) {
      const i = listIndex(token, current.length, false);
      current = i === undefined ? undefined : current[i];
    } else if (isJsonObject(current)) current = member(current, token);
    else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

type Fail = (problem: string, at?: readonly string[]) => never;

function parentOf(
  doc: JsonValue,
  path: readonly string[],
  fail: Fail,
): { parent: JsonValue[] | Record<string, JsonValue>; last: string } {
  const last = path[path.length - 1];
  if (last === undefined) return fail("the whole document has no parent");
  const parentPath = path.slice(0, -1);
  const parent = get(doc, parentPath);
  if (parent === undefined) return fail("the parent of the path does not exist");
  if (!Array.isArray(parent) && !isJsonObject(parent))
    return fail("the parent of the path is neither an object nor a list");
  return { parent, last };
}

function add(doc: JsonValue, path: readonly string[], value: JsonValue, fail: Fail): JsonValue {
  if (path.length === 0) return value;
  const { parent, last } = parentOf(doc, path, fail);
  if (Array.isArray(parent)) {
    const i = listIndex(last, parent.length, true);
    if (i === undefined)
      return fail(
        `a list of ${parent.length} has no position ${JSON.stringify(last)} (use 0 to ${parent.length}, or "-" to append)`,
      );
    parent.splice(i, 0, value);
  } else parent[last] = value;
  return doc;
}

function remove(doc: JsonValue, path: readonly string[], fail: Fail): JsonValue {
  if (path.length === 0) return fail("cannot remove the whole document");
  const { parent, last } = parentOf(doc, path, fail);
  if (Array.isArray(parent)) {
    const i = listIndex(last, parent.length, false);
    if (i === undefined)
      return fail(`a list of ${parent.length} has no element ${JSON.stringify(last)}`);
    parent.splice(i, 1);
  } else {
    if (!Object.hasOwn(parent, last)) return fail("path does not exist");
    delete parent[last];
  }
  return doc;
}

function checkDepth(path: readonly string[], value: JsonValue, fail: Fail): void {
  if (path.length + measure(value).depth > MAX_PATCH_DEPTH)
    fail(`the result would nest deeper than ${MAX_PATCH_DEPTH} levels`);
}

/** Nesting depth and number of objects and lists of a value. */
function measure(value: JsonValue): { depth: number; nodes: number } {
  if (value === null || typeof value !== "object") return { depth: 0, nodes: 0 };
  const children = Array.isArray(value) ? value : Object.values(value);
  let depth = 0;
  let nodes = 1;
  for (const child of children) {
    const m = measure(child);
    depth = Math.max(depth, m.depth);
    nodes += m.nodes;
  }
  return { depth: depth + 1, nodes };
}

function abbreviate(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
