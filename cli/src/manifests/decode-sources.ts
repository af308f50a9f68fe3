// Every document of every source decoded before anything is sent: one bad document
// anywhere means nothing is applied, and every problem of every source is reported.
import { ManifestError, decodeManifests, type DecodedObject } from "@k8ts/sdk";
import { CliFailure } from "../errors/cli-error.js";
import type { ManifestSource } from "./read-sources.js";

export interface ManifestObject extends DecodedObject {
  /** The source it came from (a path or "STDIN"). */
  readonly source: string;
}

/** Decodes all sources; throws CliFailure listing every problem of every source. */
export function decodeSources(sources: readonly ManifestSource[]): ManifestObject[] {
  const objects: ManifestObject[] = [];
  const problems: string[] = [];
  for (const source of sources) {
    try {
      for (const d of decodeManifests(source.text, { source: source.name }))
        objects.push({ ...d, source: source.name });
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      problems.push(...`error: ${e.message}`.split("\n"));
    }
  }
  if (problems.length > 0) throw new CliFailure(problems);
  return objects;
}

/** Where a document is, for messages: `blog.yaml: document 2 (Deployment blog)`. */
export function documentLabel(o: ManifestObject): string {
  const meta = o.object.metadata as { name?: unknown } | undefined;
  const name = typeof meta?.name === "string" ? ` ${meta.name}` : "";
  return `${o.source}: document ${o.document} (${o.kind.kind}${name})`;
}

/** The codec's accepted-with-warning fields, as kubectl prints server warnings. */
export function warningLines(objects: readonly ManifestObject[]): string[] {
  return objects.flatMap((o) => o.warnings.map((w) => `Warning: ${documentLabel(o)}: ${w}`));
}
