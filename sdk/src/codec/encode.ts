// Typed message object -> manifest value, the inverse of decode.ts. Output omits what
// Kubernetes omits (empty strings, zero plain numbers, false, empty lists and maps, unset
// optionals) and keeps field order from the .proto files, so encoding is deterministic and
// `get -o yaml | apply -f -` round-trips.
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import {
  INT_OR_STRING,
  QUANTITY,
  TIMESTAMP,
  hasExplicitPresence,
  oneofProperty,
  propertyName,
} from "./shapes.js";
import type { Plain } from "./decode.js";

function isMapping(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function encodeMessage(desc: DescMessage, message: unknown): Plain {
  const out: Plain = {};
  if (!isMapping(message)) return out;
  for (const field of desc.fields) {
    if (field.oneof !== undefined) {
      const union = message[oneofProperty(field.oneof)];
      if (isMapping(union) && union.$case === propertyName(field))
        out[field.jsonName] = encodeSingular(field, union.value);
      continue;
    }
    const value = message[propertyName(field)];
    if (value === undefined || value === null) continue;
    switch (field.fieldKind) {
      case "list": {
        if (!Array.isArray(value) || value.length === 0) continue;
        out[field.jsonName] = value.map((item: unknown) =>
          field.listKind === "message"
            ? encodeMessageValue(field.message, item)
            : field.listKind === "scalar"
              ? encodeScalar(field.scalar, item)
              : item,
        );
        break;
      }
      case "map": {
        if (!isMapping(value)) continue;
        const keys = Object.keys(value).sort();
        if (keys.length === 0) continue;
        const entries: Plain = {};
        for (const k of keys)
          entries[k] =
            field.mapKind === "message"
              ? encodeMessageValue(field.message, value[k])
              : field.mapKind === "scalar"
                ? encodeScalar(field.scalar, value[k])
                : value[k];
        out[field.jsonName] = entries;
        break;
      }
      case "scalar":
        if (!hasExplicitPresence(field) && isZero(field.scalar, value)) continue;
        out[field.jsonName] = encodeScalar(field.scalar, value);
        break;
      case "message":
        out[field.jsonName] = encodeMessageValue(field.message, value);
        break;
      case "enum":
        if (!hasExplicitPresence(field) && value === 0) continue;
        out[field.jsonName] = value;
        break;
    }
  }
  return out;
}

function encodeSingular(field: DescField, value: unknown): unknown {
  if (field.fieldKind === "message") return encodeMessageValue(field.message, value);
  if (field.fieldKind === "scalar") return encodeScalar(field.scalar, value);
  return value;
}

function encodeMessageValue(desc: DescMessage, value: unknown): unknown {
  switch (desc.typeName) {
    case TIMESTAMP:
      return value instanceof Date ? formatTimestamp(value) : value;
    case QUANTITY:
      return isMapping(value) ? value.string : value;
    case INT_OR_STRING:
      return isMapping(value) && isMapping(value.value) ? value.value.value : undefined;
    default:
      return encodeMessage(desc, value);
  }
}

function encodeScalar(type: ScalarType, value: unknown): unknown {
  if (type === ScalarType.BYTES && value instanceof Uint8Array)
    return Buffer.from(value).toString("base64");
  return value;
}

function isZero(type: ScalarType, value: unknown): boolean {
  switch (type) {
    case ScalarType.STRING:
      return value === "";
    case ScalarType.BOOL:
      return value === false;
    case ScalarType.BYTES:
      return value instanceof Uint8Array && value.length === 0;
    default:
      return value === 0;
  }
}

/** RFC 3339 as Kubernetes prints it: whole seconds without a fraction. */
export function formatTimestamp(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}
