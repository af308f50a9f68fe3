// A strategy is what differs between kinds on the write path: defaults (mutating
// admission), what a create resets, what Update and UpdateStatus may change, semantic
// validation beyond the field rules of the model, and how deletion proceeds. The generic
// registry calls these hooks; kinds without special needs use the base behaviour.
import type { FieldViolation, KindInfo } from "@k8ts/sdk";
import type { ApiObject } from "./envelope.js";

export type Obj = ApiObject & Record<string, unknown>;

export interface Strategy {
  readonly kind: KindInfo;
  /** Whether the kind has a status subresource (Update ignores status, UpdateStatus spec). */
  readonly hasStatus: boolean;
  /** Server-owned state a create starts from (e.g. Pod status phase Pending). */
  prepareForCreate(object: Obj): void;
  /** Defaults, applied on create and on every update (idempotent). */
  applyDefaults(object: Obj): void;
  /** Semantic checks the field rules cannot express (e.g. selector matches template). */
  validate(object: Obj): FieldViolation[];
  /** Checks of a change: immutable fields. */
  validateUpdate(object: Obj, old: Obj): FieldViolation[];
  /**
   * Grace period (seconds) a Delete without an explicit one gives the object, or 0 to
   * remove it at once. Only kinds whose objects terminate (Pods on a node) return more.
   */
  defaultGracePeriod(object: Obj): number;
  /** Whether the object terminates gracefully at all (a Pod bound to a node does). */
  isGraceful(object: Obj): boolean;
}

export class BaseStrategy implements Strategy {
  readonly hasStatus: boolean;

  constructor(readonly kind: KindInfo) {
    this.hasStatus = kind.descriptor.fields.some((f) => f.jsonName === "status");
  }

  prepareForCreate(object: Obj): void {
    // A client cannot create an object with a status of its choosing: status is reported
    // by the components that own it, through UpdateStatus.
    if (this.hasStatus) delete object.status;
  }

  applyDefaults(_object: Obj): void {}

  validate(_object: Obj): FieldViolation[] {
    return [];
  }

  validateUpdate(_object: Obj, _old: Obj): FieldViolation[] {
    return [];
  }

  defaultGracePeriod(_object: Obj): number {
    return 0;
  }

  isGraceful(_object: Obj): boolean {
    return false;
  }
}

/** Reads a nested property of a loosely typed object; undefined when absent. */
export function field(o: unknown, ...path: string[]): unknown {
  let v: unknown = o;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** A violation when an immutable value changed. */
export function immutable(path: string, now: unknown, before: unknown): FieldViolation[] {
  return deepEqual(now, before)
    ? []
    : [{ field: path, description: "Invalid value: field is immutable" }];
}

/**
 * Structural equality of message objects: key order does not matter (objects from the
 * codec and from the wire list their keys in different orders), Dates by time, Buffers by
 * bytes, and an absent key equals one set to undefined.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array || b instanceof Uint8Array)
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}
