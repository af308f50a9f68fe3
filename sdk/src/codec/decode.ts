// Manifest value (parsed YAML/JSON) -> typed message object, driven by the descriptors.
// Strict: every unknown field and malformed value becomes a violation with its path;
// nothing is dropped silently (the accept-with-warning list is the one documented
// exception). The result has the shape of the ts-proto generated interfaces: json names
// as properties, Date for Timestamp, number for int64, explicit defaults for plain scalars.
import { ScalarType, type DescField, type DescMessage, type DescOneof } from "@bufbuild/protobuf";
import { fieldRules, type FieldRules } from "../descriptors/api-descriptors.js";
import { parseQuantity, formatQuantity, QuantityError } from "../quantity/quantity.js";
import { FORMATS } from "../validation/formats.js";
import { ignoredField } from "./ignored-fields.js";
import { ViolationList, childPath, describeType, indexPath, keyPath, show } from "./violations.js";
import {
  INT_OR_STRING,
  QUANTITY,
  TIMESTAMP,
  defaultScalar,
  hasExplicitPresence,
  oneofProperty,
  propertyName,
} from "./shapes.js";

export type Plain = Record<string, unknown>;

function isMapping(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Decodes `value` as message `desc`; problems are added to `out`. */
export function decodeMessage(
  desc: DescMessage,
  value: unknown,
  path: string,
  out: ViolationList,
): Plain {
  const result: Plain = {};
  if (!isMapping(value)) {
    out.add(path, `expected a mapping, got ${describeType(value)}`);
    fillDefaults(desc, result);
    return result;
  }
  const byJson = new Map<string, DescField>();
  for (const f of desc.fields) byJson.set(f.jsonName, f);
  const oneofSeen = new Map<DescOneof, string>();

  for (const [key, raw] of Object.entries(value)) {
    const fieldPath = childPath(path, key);
    const field = byJson.get(key);
    if (field === undefined) {
      const ignored = ignoredField(desc.typeName, key);
      if (ignored !== undefined) out.warn(fieldPath, `ignored: ${ignored}`);
      else out.add(fieldPath, unknownField(desc, key));
      continue;
    }
    // null means "not set", as in Kubernetes (e.g. `creationTimestamp: null`).
    if (raw === null) continue;
    if (field.oneof !== undefined) {
      const other = oneofSeen.get(field.oneof);
      if (other !== undefined) {
        out.add(fieldPath, `may not specify more than one of "${other}" and "${key}"`);
        continue;
      }
      oneofSeen.set(field.oneof, key);
      const decoded = decodeSingular(field, raw, fieldPath, out);
      if (decoded !== undefined)
        result[oneofProperty(field.oneof)] = { $case: propertyName(field), value: decoded };
      continue;
    }
    const decoded = decodeField(field, raw, fieldPath, out);
    if (decoded !== undefined) result[propertyName(field)] = decoded;
  }
  fillDefaults(desc, result);
  checkRequired(desc, result, path, out);
  return result;
}

function unknownField(desc: DescMessage, key: string): string {
  const near = closestField(desc, key);
  return near === undefined ? "unknown field" : `unknown field (did you mean "${near}"?)`;
}

/** The field name a typo most likely meant: same letters ignoring case and separators, or within two edits. */
function closestField(desc: DescMessage, key: string): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[_-]/g, "");
  const wanted = norm(key);
  let best: { name: string; distance: number } | undefined;
  for (const f of desc.fields) {
    const candidate = norm(f.jsonName);
    const distance = isAbbreviation(wanted, candidate) ? 1 : editDistance(wanted, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { name: f.jsonName, distance };
  }
  return best?.name;
}

/** "imagepolicy" for "imagepullpolicy": the letters in order, most of them present. */
function isAbbreviation(short: string, long: string): boolean {
  if (short.length >= long.length || short.length < 0.6 * long.length) return false;
  let i = 0;
  for (const c of long) if (c === short[i]) i++;
  return i === short.length;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Plain scalars, lists and maps always have a value in the generated interfaces. */
export function fillDefaults(desc: DescMessage, result: Plain): void {
  for (const f of desc.fields) {
    if (f.oneof !== undefined) continue;
    const name = propertyName(f);
    if (result[name] !== undefined) continue;
    if (f.fieldKind === "list") result[name] = [];
    else if (f.fieldKind === "map") result[name] = {};
    else if (f.fieldKind === "scalar" && !hasExplicitPresence(f))
      result[name] = defaultScalar(f.scalar);
    else if (f.fieldKind === "enum" && !hasExplicitPresence(f)) result[name] = 0;
  }
}

function checkRequired(desc: DescMessage, result: Plain, path: string, out: ViolationList): void {
  for (const f of desc.fields) {
    if (!fieldRules(f).required) continue;
    const v = f.oneof === undefined ? result[propertyName(f)] : result[oneofProperty(f.oneof)];
    const missing =
      v === undefined ||
      v === "" ||
      v === 0 ||
      (Array.isArray(v) && v.length === 0) ||
      (f.fieldKind === "map" && isMapping(v) && Object.keys(v).length === 0);
    if (missing) out.add(childPath(path, f.jsonName), "Required value");
  }
}

function decodeField(field: DescField, raw: unknown, path: string, out: ViolationList): unknown {
  switch (field.fieldKind) {
    case "list": {
      if (!Array.isArray(raw)) {
        out.add(path, `expected a list, got ${describeType(raw)}`);
        return undefined;
      }
      const items: unknown[] = [];
      raw.forEach((item, i) => {
        const p = indexPath(path, i);
        if (item === null) {
          out.add(p, "list items may not be null");
          return;
        }
        const v =
          field.listKind === "message"
            ? decodeMessageValue(field.message, item, p, out, fieldRules(field))
            : field.listKind === "scalar"
              ? decodeScalar(field.scalar, item, p, out, fieldRules(field))
              : decodeEnum(item, p, out);
        if (v !== undefined) items.push(v);
      });
      return items;
    }
    case "map": {
      if (!isMapping(raw)) {
        out.add(path, `expected a mapping, got ${describeType(raw)}`);
        return undefined;
      }
      const entries: Plain = {};
      for (const [k, item] of Object.entries(raw)) {
        const p = keyPath(path, k);
        if (item === null) {
          out.add(p, "map values may not be null");
          continue;
        }
        const v =
          field.mapKind === "message"
            ? decodeMessageValue(field.message, item, p, out, fieldRules(field))
            : field.mapKind === "scalar"
              ? decodeScalar(field.scalar, item, p, out, fieldRules(field))
              : decodeEnum(item, p, out);
        if (v !== undefined) entries[k] = v;
      }
      return entries;
    }
    default:
      return decodeSingular(field, raw, path, out);
  }
}

function decodeSingular(field: DescField, raw: unknown, path: string, out: ViolationList): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return decodeScalar(field.scalar, raw, path, out, fieldRules(field));
    case "message":
      return decodeMessageValue(field.message, raw, path, out, fieldRules(field));
    case "enum":
      return decodeEnum(raw, path, out);
    default:
      return undefined;
  }
}

/** Messages, with the types that manifests write as scalars handled specially. */
function decodeMessageValue(
  desc: DescMessage,
  raw: unknown,
  path: string,
  out: ViolationList,
  rules: FieldRules,
): unknown {
  switch (desc.typeName) {
    case TIMESTAMP:
      return decodeTimestamp(raw, path, out);
    case QUANTITY:
      return decodeQuantity(raw, path, out);
    case INT_OR_STRING:
      return decodeIntOrString(raw, path, out, rules);
    default:
      return decodeMessage(desc, raw, path, out);
  }
}

function decodeTimestamp(raw: unknown, path: string, out: ViolationList): Date | undefined {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
  if (typeof raw !== "string" || !rfc3339.test(raw) || Number.isNaN(Date.parse(raw))) {
    out.add(
      path,
      `Invalid value: ${show(raw)}: must be an RFC 3339 timestamp (e.g. 2024-05-01T12:00:00Z)`,
    );
    return undefined;
  }
  return new Date(raw);
}

function decodeQuantity(
  raw: unknown,
  path: string,
  out: ViolationList,
): { string: string } | undefined {
  if (typeof raw !== "string" && typeof raw !== "number") {
    out.add(path, `expected a quantity (e.g. 500m, 256Mi), got ${describeType(raw)}`);
    return undefined;
  }
  try {
    return { string: formatQuantity(parseQuantity(raw)) };
  } catch (e) {
    if (e instanceof QuantityError) {
      out.add(path, e.message);
      return undefined;
    }
    throw e;
  }
}

type IntOrStringValue = {
  value: { $case: "intVal"; value: number } | { $case: "strVal"; value: string };
};

function decodeIntOrString(
  raw: unknown,
  path: string,
  out: ViolationList,
  rules: FieldRules,
): IntOrStringValue | undefined {
  if (typeof raw === "number") {
    if (!Number.isInteger(raw) || raw < -2147483648 || raw > 2147483647) {
      out.add(path, `Invalid value: ${raw}: must be a 32-bit integer or a string`);
      return undefined;
    }
    checkRange(raw, path, out, rules);
    return { value: { $case: "intVal", value: raw } };
  }
  if (typeof raw === "string") {
    checkString(raw, path, out, rules);
    return { value: { $case: "strVal", value: raw } };
  }
  out.add(path, `expected an integer or a string, got ${describeType(raw)}`);
  return undefined;
}

function decodeEnum(raw: unknown, path: string, out: ViolationList): unknown {
  // The API spells enumerations as validated strings; a proto enum can only come from a
  // vendored google type, which manifests never contain.
  out.add(path, `cannot be set in a manifest (got ${describeType(raw)})`);
  return undefined;
}

const INT_RANGES: Partial<Record<ScalarType, readonly [number, number]>> = {
  [ScalarType.INT32]: [-2147483648, 2147483647],
  [ScalarType.SINT32]: [-2147483648, 2147483647],
  [ScalarType.SFIXED32]: [-2147483648, 2147483647],
  [ScalarType.UINT32]: [0, 4294967295],
  [ScalarType.FIXED32]: [0, 4294967295],
  [ScalarType.INT64]: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [ScalarType.SINT64]: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [ScalarType.SFIXED64]: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [ScalarType.UINT64]: [0, Number.MAX_SAFE_INTEGER],
  [ScalarType.FIXED64]: [0, Number.MAX_SAFE_INTEGER],
};

function decodeScalar(
  type: ScalarType,
  raw: unknown,
  path: string,
  out: ViolationList,
  rules: FieldRules,
): unknown {
  switch (type) {
    case ScalarType.STRING:
      if (typeof raw !== "string") {
        const hint =
          typeof raw === "number" || typeof raw === "boolean"
            ? ` (quote it: "${String(raw)}")`
            : "";
        out.add(path, `expected a string, got ${describeType(raw)}${hint}`);
        return undefined;
      }
      checkString(raw, path, out, rules);
      return raw;
    case ScalarType.BOOL:
      if (typeof raw !== "boolean") {
        out.add(path, `expected true or false, got ${describeType(raw)}`);
        return undefined;
      }
      return raw;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof raw !== "number") {
        out.add(path, `expected a number, got ${describeType(raw)}`);
        return undefined;
      }
      checkRange(raw, path, out, rules);
      return raw;
    case ScalarType.BYTES:
      if (typeof raw !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) {
        out.add(path, `expected base64-encoded bytes, got ${describeType(raw)}`);
        return undefined;
      }
      return Buffer.from(raw, "base64");
    default: {
      const range = INT_RANGES[type];
      if (range === undefined) {
        out.add(path, "unsupported field type");
        return undefined;
      }
      if (typeof raw !== "number" || !Number.isInteger(raw)) {
        out.add(path, `expected an integer, got ${describeType(raw)}`);
        return undefined;
      }
      if (raw < range[0] || raw > range[1]) {
        out.add(path, `Invalid value: ${raw}: must be between ${range[0]} and ${range[1]}`);
        return undefined;
      }
      checkRange(raw, path, out, rules);
      return raw;
    }
  }
}

function checkRange(value: number, path: string, out: ViolationList, rules: FieldRules): void {
  if (rules.minimum !== undefined && value < rules.minimum)
    out.add(path, `Invalid value: ${value}: must be greater than or equal to ${rules.minimum}`);
  else if (rules.maximum !== undefined && value > rules.maximum)
    out.add(path, `Invalid value: ${value}: must be less than or equal to ${rules.maximum}`);
}

function checkString(value: string, path: string, out: ViolationList, rules: FieldRules): void {
  if (rules.enum.length > 0 && !rules.enum.includes(value)) {
    // Empty means "not set" for a plain string: defaulting decides, not the codec.
    if (value === "") return;
    const supported = rules.enum.map((e) => JSON.stringify(e)).join(", ");
    out.add(path, `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported}`);
    return;
  }
  if (rules.format !== "" && value !== "") {
    const check = FORMATS[rules.format];
    if (check === undefined) throw new Error(`unknown format "${rules.format}" on ${path}`);
    const problem = check(value);
    if (problem !== undefined) out.add(path, `Invalid value: ${JSON.stringify(value)}: ${problem}`);
  }
}
