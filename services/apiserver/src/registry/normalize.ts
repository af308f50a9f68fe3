// Validation of typed objects with the same rules as manifests: the object is printed in
// manifest form and read back through the strict codec. That one path checks every field
// rule of the model (enums, minimums, formats, required, names, labels), canonicalizes
// quantities and sorts maps, so equal objects have equal bytes (no-op updates write
// nothing) whether they came from YAML, JSON or protobuf.
import {
  ManifestError,
  decodeObject,
  encodeObject,
  type FieldViolation,
  type KindInfo,
} from "@k8ts/sdk";
import type { ApiObject } from "./envelope.js";

export interface Normalized {
  readonly object: ApiObject;
  readonly violations: readonly FieldViolation[];
}

export function normalize(kind: KindInfo, object: ApiObject): Normalized {
  try {
    const [decoded] = decodeObject(encodeObject(kind, object));
    if (decoded === undefined)
      return { object, violations: [{ field: "", description: "empty object" }] };
    return { object: decoded.object, violations: [] };
  } catch (e) {
    if (e instanceof ManifestError)
      return {
        object,
        violations: e.violations.map(({ field, description }) => ({ field, description })),
      };
    throw e;
  }
}
