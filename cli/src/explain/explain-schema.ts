// `k8ts explain`: the schema of a kind or of one of its fields, from the model's
// descriptors and their comments, printed as kubectl explain prints it.
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { fieldRules, type KindInfo } from "@k8ts/sdk";
import { CliError } from "../errors/cli-error.js";
import { groupOf } from "../kinds/resource-names.js";
import { fieldComment, messageComment } from "./proto-comments.js";

// Messages written as plain scalars in manifests.
const TIMESTAMP = "google.protobuf.Timestamp";
const QUANTITY = "k8ts.api.v1.Quantity";
const INT_OR_STRING = "k8ts.api.v1.IntOrString";
const SCALAR_MESSAGES = new Set([TIMESTAMP, QUANTITY, INT_OR_STRING]);

function scalarType(type: ScalarType): string {
  switch (type) {
    case ScalarType.BOOL:
      return "boolean";
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return "string";
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return "number";
    default:
      return "integer";
  }
}

function messageType(message: DescMessage): string {
  if (message.typeName === TIMESTAMP) return "string";
  if (message.typeName === QUANTITY) return "Quantity";
  if (message.typeName === INT_OR_STRING) return "IntOrString";
  return message.name;
}

/** kubectl's type names: <string>, <integer>, <[]Container>, <map[string]string>, <ObjectMeta>. */
export function fieldType(field: DescField): string {
  switch (field.fieldKind) {
    case "scalar":
      return scalarType(field.scalar);
    case "enum":
      return "string";
    case "message":
      return messageType(field.message);
    case "list":
      return `[]${
        field.listKind === "message"
          ? messageType(field.message)
          : field.listKind === "scalar"
            ? scalarType(field.scalar)
            : "string"
      }`;
    case "map":
      return `map[string]${
        field.mapKind === "message"
          ? messageType(field.message)
          : field.mapKind === "scalar"
            ? scalarType(field.scalar)
            : "string"
      }`;
  }
}

/** The message a field's value is made of, when one can explain into it. */
function childMessage(field: DescField): DescMessage | undefined {
  const message =
    field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")
      ? field.message
      : undefined;
  return message === undefined || SCALAR_MESSAGES.has(message.typeName) ? undefined : message;
}

interface FieldDoc {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
}

function fieldDocs(message: DescMessage, topLevel: KindInfo | undefined): FieldDoc[] {
  const docs: FieldDoc[] = message.fields.map((f) => ({
    name: f.jsonName,
    type: fieldType(f),
    required: fieldRules(f).required,
    description: fieldComment(f),
  }));
  if (topLevel !== undefined)
    docs.push(
      {
        name: "apiVersion",
        type: "string",
        required: false,
        description: `The version of the schema: always "${topLevel.apiVersion}" for ${topLevel.kind}.`,
      },
      {
        name: "kind",
        type: "string",
        required: false,
        description: `The kind of the object: "${topLevel.kind}".`,
      },
    );
  return docs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((l) => (l === "" ? "" : pad + l))
    .join("\n");
}

function header(kind: KindInfo): string {
  const group = groupOf(kind);
  const version = kind.apiVersion.slice(kind.apiVersion.indexOf("/") + 1);
  return `${group === "" ? "" : `GROUP:      ${group}\n`}KIND:       ${kind.kind}\nVERSION:    ${version}\n`;
}

function fieldsSection(message: DescMessage, topLevel: KindInfo | undefined): string {
  const docs = fieldDocs(message, topLevel);
  if (docs.length === 0) return "";
  const parts = docs.map(
    (d) =>
      `  ${d.name}\t<${d.type}>${d.required ? " -required-" : ""}\n` +
      `${indent(d.description === "" ? "<no description>" : d.description, 4)}\n`,
  );
  return `\nFIELDS:\n${parts.join("\n")}`;
}

/** `--recursive`: the tree of field names and types under a message. */
function fieldTree(message: DescMessage, depth: number, seen: readonly string[]): string {
  const lines: string[] = [];
  for (const d of fieldDocs(message, undefined)) {
    lines.push(`${"  ".repeat(depth)}${d.name}\t<${d.type}>${d.required ? " -required-" : ""}`);
    const field = message.fields.find((f) => f.jsonName === d.name);
    const child = field === undefined ? undefined : childMessage(field);
    if (child !== undefined && !seen.includes(child.typeName))
      lines.push(fieldTree(child, depth + 1, [...seen, child.typeName]));
  }
  return lines.filter((l) => l !== "").join("\n");
}

/**
 * The explanation of `path` (json field names below the kind, e.g. ["spec", "replicas"]);
 * throws CliError naming the first field that does not exist.
 */
export function explain(kind: KindInfo, path: readonly string[], recursive = false): string {
  let message: DescMessage | undefined = kind.descriptor;
  let field: DescField | undefined;
  const walked: string[] = [];
  for (const name of path) {
    if (message === undefined)
      throw new CliError(
        `field "${name}" does not exist: ${[kind.singular, ...walked].join(".")} has no fields`,
      );
    const next: DescField | undefined = message.fields.find((f) => f.jsonName === name);
    if (next === undefined)
      throw new CliError(
        `field "${name}" does not exist in ${[kind.singular, ...walked].join(".")}`,
      );
    walked.push(name);
    field = next;
    message = childMessage(next);
  }

  let out = header(kind);
  if (field === undefined) {
    out += `\nDESCRIPTION:\n${indent(messageComment(kind.descriptor) || "<empty>", 4)}\n`;
  } else {
    out += `\nFIELD: ${field.jsonName} <${fieldType(field)}>\n`;
    const parts = [fieldComment(field)];
    if (message !== undefined) parts.push(messageComment(message));
    const description = parts.filter((p) => p !== "").join("\n\n");
    out += `\nDESCRIPTION:\n${indent(description || "<empty>", 4)}\n`;
    const rules = fieldRules(field);
    if (rules.enum.length > 0) out += `\nENUM:\n${rules.enum.map((v) => `    ${v}`).join("\n")}\n`;
  }
  if (message !== undefined) {
    const top = field === undefined ? kind : undefined;
    out += recursive
      ? `\nFIELDS:\n${fieldTree(message, 1, [message.typeName])}\n`
      : fieldsSection(message, top);
  }
  return out;
}
