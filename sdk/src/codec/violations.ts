// What the codec reports: every problem with the path of the field it is about, in the
// shape of google.rpc.BadRequest.FieldViolation so the apiserver can return the same
// list, and one error carrying all of them.

export interface FieldViolation {
  /** Path of the field, e.g. "spec.template.spec.containers[0].image". "" = the document. */
  readonly field: string;
  /** What is wrong, e.g. `Required value` or `Invalid value: -1: must be ...`. */
  readonly description: string;
}

export interface ManifestViolation extends FieldViolation {
  /** 1-based position of the document in its source (multi-document YAML). */
  readonly document: number;
  /** "Kind name" of the object when known, to point users at the right document. */
  readonly object?: string;
}

export function formatViolation(v: FieldViolation): string {
  return v.field === "" ? v.description : `${v.field}: ${v.description}`;
}

/** A manifest (or set of manifests) that cannot be decoded; lists every problem found. */
export class ManifestError extends Error {
  constructor(
    readonly violations: readonly ManifestViolation[],
    readonly source?: string,
  ) {
    super(ManifestError.describe(violations, source));
    this.name = "ManifestError";
  }

  private static describe(violations: readonly ManifestViolation[], source?: string): string {
    const where = source === undefined ? "" : ` in ${source}`;
    const head =
      violations.length === 1 ? `1 problem${where}:` : `${violations.length} problems${where}:`;
    const lines = violations.map((v) => {
      const doc = `document ${v.document}${v.object === undefined ? "" : ` (${v.object})`}`;
      return `  ${doc}: ${formatViolation(v)}`;
    });
    return [head, ...lines].join("\n");
  }
}

/** Collects violations and warnings while walking one document. */
export class ViolationList {
  readonly violations: FieldViolation[] = [];
  readonly warnings: string[] = [];

  add(field: string, description: string): void {
    this.violations.push({ field, description });
  }

  warn(field: string, description: string): void {
    this.warnings.push(field === "" ? description : `${field}: ${description}`);
  }
}

/** Appends a field name to a path: "spec" + "replicas" = "spec.replicas". */
export function childPath(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/** Appends a list index: "containers" + 0 = "containers[0]". */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Appends a map key: simple keys as ".memory", others as `["app.kubernetes.io/name"]`. */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
    ? childPath(path, key)
    : `${path}[${JSON.stringify(key)}]`;
}

/** A short, readable rendering of an input value for messages. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value;
}

/** "string", "number 8080", "a list"...: what the input was, for type errors. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value)}`;
    case "number":
      return `number ${value}`;
    case "boolean":
      return `boolean ${value}`;
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}
