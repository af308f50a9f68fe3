// What a strategic merge patch needs to know about a place in a manifest, read from the
// API descriptors: which field a JSON member is, whether a list merges by a key
// (`merge_key`), as a set (`list_set`) or is replaced whole, and which members are
// alternatives of one oneof. Manifest members are the descriptor fields' JSON names;
// Timestamp, Quantity and IntOrString are scalars in manifests, and so they are here.
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { INT_OR_STRING, QUANTITY, TIMESTAMP } from "../codec/shapes.js";
import { API_PACKAGE, apiRegistry, fieldRules } from "../descriptors/api-descriptors.js";

export type PatchSchema =
  /** An object that is a message: members are its fields. */
  | { readonly kind: "message"; readonly message: DescMessage }
  /** An object that is a proto map: members are free keys with values of one shape. */
  | { readonly kind: "map"; readonly value: PatchSchema }
  /** A list; mergeKey "" and set false: replaced whole. */
  | {
      readonly kind: "list";
      readonly item: PatchSchema;
      readonly mergeKey: string;
      readonly set: boolean;
    }
  | { readonly kind: "scalar" }
  /** Not in the model (apiVersion, kind, unknown fields): plain merge patch rules. */
  | { readonly kind: "unknown" };

const SCALAR: PatchSchema = { kind: "scalar" };
export const UNKNOWN: PatchSchema = { kind: "unknown" };
const SCALAR_MESSAGES = new Set([TIMESTAMP, QUANTITY, INT_OR_STRING]);

const byJsonName = new WeakMap<DescMessage, Map<string, DescField>>();

/** The field of `message` whose JSON name is `key`. */
export function fieldByJsonName(message: DescMessage, key: string): DescField | undefined {
  let fields = byJsonName.get(message);
  if (fields === undefined) {
    fields = new Map(message.fields.map((f) => [f.jsonName, f]));
    byJsonName.set(message, fields);
  }
  return fields.get(key);
}

export function messageSchema(message: DescMessage): PatchSchema {
  return SCALAR_MESSAGES.has(message.typeName) ? SCALAR : { kind: "message", message };
}

export function fieldSchema(field: DescField): PatchSchema {
  switch (field.fieldKind) {
    case "list": {
      const rules = fieldRules(field);
      if (field.listKind === "message")
        return {
          kind: "list",
          item: messageSchema(field.message),
          mergeKey: rules.mergeKey,
          set: false,
        };
      return { kind: "list", item: SCALAR, mergeKey: "", set: rules.listSet };
    }
    case "map":
      return {
        kind: "map",
        value: field.mapKind === "message" ? messageSchema(field.message) : SCALAR,
      };
    case "message":
      return messageSchema(field.message);
    default:
      return SCALAR;
  }
}

/** The schema of member `key` of an object of schema `schema`. */
export function childSchema(schema: PatchSchema, key: string): PatchSchema {
  if (schema.kind === "map") return schema.value;
  if (schema.kind !== "message") return UNKNOWN;
  const field = fieldByJsonName(schema.message, key);
  return field === undefined ? UNKNOWN : fieldSchema(field);
}

/** JSON names of the other members of the oneof `key` belongs to (none when it is in none). */
export function oneofAlternatives(schema: PatchSchema, key: string): string[] {
  if (schema.kind !== "message") return [];
  const oneof = fieldByJsonName(schema.message, key)?.oneof;
  if (oneof === undefined) return [];
  return oneof.fields.map((f) => f.jsonName).filter((name) => name !== key);
}

/** How one list field of the model is merged by strategic merge patches. */
export interface ListMergeRule {
  /** Message name, e.g. "PodSpec". */
  readonly message: string;
  /** JSON name of the list field, e.g. "containers". */
  readonly field: string;
  /** JSON name of the item field that identifies items, or "" for a set of scalars. */
  readonly mergeKey: string;
  /** A list of scalars merged as a set. */
  readonly set: boolean;
}

/** Every list of the API that merges by key or as a set, in declaration order. */
export function listMergeRules(): ListMergeRule[] {
  const rules: ListMergeRule[] = [];
  for (const file of apiRegistry().files) {
    if (file.proto.package !== API_PACKAGE) continue;
    for (const message of file.messages) collect(message, rules);
  }
  return rules;
}

function collect(message: DescMessage, rules: ListMergeRule[]): void {
  for (const field of message.fields) {
    const schema = fieldSchema(field);
    if (schema.kind === "list" && (schema.mergeKey !== "" || schema.set))
      rules.push({
        message: message.name,
        field: field.jsonName,
        mergeKey: schema.mergeKey,
        set: schema.set,
      });
  }
  for (const nested of message.nestedMessages) collect(nested, rules);
}
