// The manifest codec: Kubernetes-style YAML/JSON documents <-> typed API objects.
// One strict converter for both directions, used for `apply` input and `-o yaml|json`
// output, so what k8ts prints re-applies unchanged.
import { LineCounter, parseAllDocuments, stringify } from "yaml";
import { kindForManifest, allKinds, type KindInfo } from "../kinds/kinds.js";
import { FORMATS } from "../validation/formats.js";
import { decodeMessage, type Plain } from "./decode.js";
import { encodeMessage } from "./encode.js";
import {
  ManifestError,
  ViolationList,
  childPath,
  keyPath,
  indexPath,
  type ManifestViolation,
} from "./violations.js";

/** One decoded object: its kind, the typed message and the warnings it produced. */
export interface DecodedObject<T = Plain> {
  readonly kind: KindInfo;
  readonly object: T;
  /** 1-based document number in the source. */
  readonly document: number;
  /** Accepted-but-ignored fields, e.g. `spec.dnsPolicy: ignored: ...`. */
  readonly warnings: readonly string[];
}

export interface DecodeOptions {
  /** Named in error messages, e.g. the file name. */
  readonly source?: string;
}

function isMapping(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Decodes every document of a YAML or JSON text (multi-document, `kind: List` expanded).
 * Throws ManifestError listing every problem of every document; returns nothing partial.
 */
export function decodeManifests(text: string, options: DecodeOptions = {}): DecodedObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  const results: DecodedObject[] = [];
  const violations: ManifestViolation[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const document = i + 1;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        const at = ` at line ${pos.line}, column ${pos.col}`;
        violations.push({
          document,
          field: "",
          description: `YAML syntax error${at}: ${e.message.split("\n")[0] ?? ""}`,
        });
      }
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document, e.g. a trailing ---
    collect(value, "", document, results, violations);
  });
  if (violations.length > 0) throw new ManifestError(violations, options.source);
  return results;
}

/** Decodes one already-parsed manifest object (e.g. from JSON). */
export function decodeObject(value: unknown, options: DecodeOptions = {}): DecodedObject[] {
  const results: DecodedObject[] = [];
  const violations: ManifestViolation[] = [];
  collect(value, "", 1, results, violations);
  if (violations.length > 0) throw new ManifestError(violations, options.source);
  return results;
}

function collect(
  value: unknown,
  path: string,
  document: number,
  results: DecodedObject[],
  violations: ManifestViolation[],
): void {
  if (!isMapping(value)) {
    violations.push({
      document,
      field: path,
      description: "a manifest must be a mapping with apiVersion and kind",
    });
    return;
  }
  // kubectl's `kind: List` wraps several objects; apply each.
  if (value.kind === "List" && (value.apiVersion === "v1" || value.apiVersion === undefined)) {
    const items = value.items;
    if (!Array.isArray(items)) {
      violations.push({
        document,
        field: childPath(path, "items"),
        description: "expected a list",
      });
      return;
    }
    items.forEach((item, i) =>
      collect(item, indexPath(childPath(path, "items"), i), document, results, violations),
    );
    return;
  }
  const out = new ViolationList();
  const decoded = decodeTopLevel(value, path, out);
  const name =
    isMapping(value.metadata) && typeof value.metadata.name === "string"
      ? value.metadata.name
      : undefined;
  const object =
    typeof value.kind === "string"
      ? `${value.kind}${name === undefined ? "" : ` ${name}`}`
      : undefined;
  for (const v of out.violations)
    violations.push({ document, ...(object === undefined ? {} : { object }), ...v });
  if (decoded !== undefined && out.violations.length === 0)
    results.push({ kind: decoded.kind, object: decoded.object, document, warnings: out.warnings });
}

function decodeTopLevel(
  value: Plain,
  path: string,
  out: ViolationList,
): { kind: KindInfo; object: Plain } | undefined {
  const { apiVersion, kind } = value;
  if (typeof kind !== "string" || kind === "") {
    out.add(childPath(path, "kind"), "Required value: every manifest names its kind");
    return undefined;
  }
  if (typeof apiVersion !== "string" || apiVersion === "") {
    out.add(childPath(path, "apiVersion"), "Required value: every manifest names its apiVersion");
    return undefined;
  }
  const info = kindForManifest(apiVersion, kind);
  if (info === undefined) {
    const sameKind = allKinds().find((k) => k.kind === kind);
    if (sameKind !== undefined)
      out.add(
        childPath(path, "apiVersion"),
        `Unsupported value: ${JSON.stringify(apiVersion)}: kind ${kind} is served as ${JSON.stringify(sameKind.apiVersion)}`,
      );
    else
      out.add(
        childPath(path, "kind"),
        `Unsupported value: ${JSON.stringify(kind)}: no kind ${JSON.stringify(kind)} in ${JSON.stringify(apiVersion)} (known kinds: ${allKinds()
          .map((k) => k.kind)
          .join(", ")})`,
      );
    return undefined;
  }
  const body: Plain = {};
  for (const [k, v] of Object.entries(value)) if (k !== "apiVersion" && k !== "kind") body[k] = v;
  const object = decodeMessage(info.descriptor, body, path, out);
  checkMetadata(info, object, path, out);
  checkTemplateMetadata(object, path, out);
  return { kind: info, object };
}

/** Name, namespace, labels and annotations rules that depend on the kind. */
function checkMetadata(info: KindInfo, object: Plain, path: string, out: ViolationList): void {
  const meta = object.metadata;
  const metaPath = childPath(path, "metadata");
  if (!isMapping(meta)) {
    out.add(metaPath, "Required value: name or generateName is required");
    return;
  }
  const nameCheck = FORMATS[info.nameFormat];
  const name = typeof meta.name === "string" ? meta.name : "";
  const generateName = typeof meta.generateName === "string" ? meta.generateName : "";
  if (name === "" && generateName === "")
    out.add(childPath(metaPath, "name"), "Required value: name or generateName is required");
  if (name !== "" && nameCheck !== undefined) {
    const bad = nameCheck(name);
    if (bad !== undefined)
      out.add(childPath(metaPath, "name"), `Invalid value: ${JSON.stringify(name)}: ${bad}`);
  }
  if (generateName !== "" && nameCheck !== undefined) {
    // A prefix: the generated suffix follows, so a trailing '-' is fine.
    const bad = nameCheck(generateName.replace(/-+$/, "") || "a");
    if (bad !== undefined)
      out.add(
        childPath(metaPath, "generateName"),
        `Invalid value: ${JSON.stringify(generateName)}: ${bad}`,
      );
  }
  const namespace = typeof meta.namespace === "string" ? meta.namespace : "";
  if (namespace !== "") {
    if (!info.namespaced)
      out.add(childPath(metaPath, "namespace"), `Forbidden: ${info.kind} is not namespaced`);
    else {
      const bad = FORMATS["dns1123-label"]?.(namespace);
      if (bad !== undefined)
        out.add(
          childPath(metaPath, "namespace"),
          `Invalid value: ${JSON.stringify(namespace)}: ${bad}`,
        );
    }
  }
  checkKeys(meta.labels, childPath(metaPath, "labels"), out, true);
  checkKeys(meta.annotations, childPath(metaPath, "annotations"), out, false);
}

/** A pod template's labels and annotations follow the same rules as an object's. */
function checkTemplateMetadata(object: Plain, path: string, out: ViolationList): void {
  const spec = object.spec;
  if (!isMapping(spec) || !isMapping(spec.template)) return;
  const meta = spec.template.metadata;
  if (!isMapping(meta)) return;
  const metaPath = childPath(childPath(childPath(path, "spec"), "template"), "metadata");
  checkKeys(meta.labels, childPath(metaPath, "labels"), out, true);
  checkKeys(meta.annotations, childPath(metaPath, "annotations"), out, false);
}

function checkKeys(map: unknown, path: string, out: ViolationList, values: boolean): void {
  if (!isMapping(map)) return;
  const keyCheck = FORMATS["qualified-name"];
  const valueCheck = FORMATS["label-value"];
  for (const [k, v] of Object.entries(map)) {
    const bad = keyCheck?.(k);
    if (bad !== undefined) out.add(keyPath(path, k), `Invalid value: ${JSON.stringify(k)}: ${bad}`);
    if (values && typeof v === "string") {
      const badValue = valueCheck?.(v);
      if (badValue !== undefined)
        out.add(keyPath(path, k), `Invalid value: ${JSON.stringify(v)}: ${badValue}`);
    }
  }
}

/** The manifest form of one object: apiVersion and kind first, then the message fields. */
export function encodeObject(kind: KindInfo, object: unknown): Plain {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    ...encodeMessage(kind.descriptor, object),
  };
}

export interface EncodableObject {
  readonly kind: KindInfo;
  readonly object: unknown;
}

/** YAML for one or more objects, as separate documents. */
export function toYaml(objects: readonly EncodableObject[]): string {
  return objects
    .map((o) =>
      stringify(encodeObject(o.kind, o.object), { lineWidth: 0, aliasDuplicateObjects: false }),
    )
    .join("---\n");
}

/** JSON for one object, or a `kind: List` for several (as kubectl prints them). */
export function toJson(objects: readonly EncodableObject[]): string {
  const first = objects[0];
  const value =
    objects.length === 1 && first !== undefined
      ? encodeObject(first.kind, first.object)
      : {
          apiVersion: "v1",
          kind: "List",
          items: objects.map((o) => encodeObject(o.kind, o.object)),
          metadata: {},
        };
  return `${JSON.stringify(value, null, 2)}\n`;
}
