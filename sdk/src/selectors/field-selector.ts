// Field selectors as Kubernetes writes them: "metadata.name=web,spec.nodeName!=" with
// =, == and != on a fixed set of fields per kind. The values a given object has for
// those fields come from fieldsOf() below, shared by the apiserver (filtering) and
// clients (local filtering in informers and the CLI).
import { SelectorParseError } from "./label-selector.js";

export interface FieldRequirement {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

export interface FieldMatcher {
  readonly requirements: readonly FieldRequirement[];
  matches(fields: Readonly<Record<string, string>>): boolean;
  toString(): string;
}

/** Fields every kind supports, and the extra ones per kind (as Kubernetes offers them). */
const COMMON = ["metadata.name", "metadata.namespace"];
const BY_KIND: Readonly<Record<string, readonly string[]>> = {
  Pod: ["spec.nodeName", "status.phase"],
  Event: [
    "involvedObject.kind",
    "involvedObject.name",
    "involvedObject.namespace",
    "involvedObject.uid",
  ],
};

/** The field selector labels a kind supports. */
export function selectableFields(kind: string): readonly string[] {
  return [...COMMON, ...(BY_KIND[kind] ?? [])];
}

/** Parses a field selector for `kind`; throws SelectorParseError for bad syntax or fields. */
export function parseFieldSelector(kind: string, text: string): FieldMatcher {
  const allowed = selectableFields(kind);
  const reqs: FieldRequirement[] = [];
  const trimmed = text.trim();
  if (trimmed !== "") {
    for (const part of trimmed.split(",")) {
      const m = /^\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(part);
      if (m === null)
        throw new SelectorParseError(
          text,
          `expected field=value or field!=value, got ${JSON.stringify(part)}`,
        );
      const [, field = "", op, value = ""] = m;
      if (!allowed.includes(field))
        throw new SelectorParseError(
          text,
          `field label not supported for ${kind}: ${JSON.stringify(field)} (supported: ${allowed.join(", ")})`,
        );
      reqs.push({ field, operator: op === "!=" ? "!=" : "=", value });
    }
  }
  return {
    requirements: reqs,
    matches(fields) {
      return reqs.every((r) => ((fields[r.field] ?? "") === r.value) === (r.operator === "="));
    },
    toString() {
      return reqs.map((r) => `${r.field}${r.operator}${r.value}`).join(",");
    },
  };
}

interface FieldSource {
  metadata?: { name: string; namespace: string } | undefined;
  spec?: unknown;
  status?: unknown;
  involvedObject?: unknown;
}

function str(o: unknown, key: string): string {
  if (typeof o !== "object" || o === null) return "";
  const v = (o as Record<string, unknown>)[key];
  return typeof v === "string" ? v : "";
}

/** The selectable field values of an object of `kind`. */
export function fieldsOf(kind: string, object: FieldSource): Record<string, string> {
  const fields: Record<string, string> = {
    "metadata.name": object.metadata?.name ?? "",
    "metadata.namespace": object.metadata?.namespace ?? "",
  };
  if (kind === "Pod") {
    fields["spec.nodeName"] = str(object.spec, "nodeName");
    fields["status.phase"] = str(object.status, "phase");
  } else if (kind === "Event") {
    for (const k of ["kind", "name", "namespace", "uid"])
      fields[`involvedObject.${k}`] = str(object.involvedObject, k);
  }
  return fields;
}
