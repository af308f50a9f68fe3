// The identity of a Deployment's pod template, as Kubernetes' Deployment controller keeps
// it: a ReplicaSet belongs to a template when their templates are semantically equal
// ignoring the `pod-template-hash` label (never by the hash alone, so a restarted
// controller finds the same ReplicaSet and starts no rollout), and the hash only names
// things: FNV-32a over a canonical encoding of the template plus the collision count,
// rendered in Kubernetes' "safe" alphabet (no vowels, no bad words).
import { PodTemplateSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * A deterministic text of any message value: object keys sorted, `undefined` left out,
 * Dates as RFC 3339, bytes as base64. Two values with the same encoding are equal.
 */
export function canonicalEncoding(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString("base64"));
  if (Array.isArray(value)) return `[${value.map((v) => canonicalEncoding(v)).join(",")}]`;
  switch (typeof value) {
    case "bigint":
      return JSON.stringify(value.toString());
    case "object": {
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalEncoding(v)}`).join(",")}}`;
    }
    default:
      return JSON.stringify(value);
  }
}

/**
 * The template as the wire carries it (every field that proto3 cannot tell from its
 * default gets that default), so a template built in code and one decoded from the API
 * compare and hash alike.
 */
function wireForm(template: PodTemplateSpec | undefined): PodTemplateSpec {
  return PodTemplateSpec.decode(
    PodTemplateSpec.encode(PodTemplateSpec.fromPartial(template ?? {})).finish(),
  );
}

/** FNV-32a of `bytes` (as Go's hash/fnv New32a). */
export function fnv32a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' rand.SafeEncodeString: each character mapped into the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    out += SAFE_ALPHABET[code % SAFE_ALPHABET.length] ?? "";
  }
  return out;
}

/**
 * The `pod-template-hash` of a template: FNV-32a of its canonical encoding, then (when a
 * collision count is set) its value as 8 little-endian bytes, rendered as the decimal sum
 * through the safe alphabet, as Kubernetes' controller.ComputeHash.
 */
export function podTemplateHash(
  template: PodTemplateSpec | undefined,
  collisionCount: number | undefined,
): string {
  const text = Buffer.from(canonicalEncoding(wireForm(template)), "utf8");
  let bytes: Uint8Array = text;
  if (collisionCount !== undefined) {
    const extra = Buffer.alloc(8);
    extra.writeUInt32LE(collisionCount >>> 0, 0);
    bytes = Buffer.concat([text, extra]);
  }
  return safeEncodeString(String(fnv32a(bytes)));
}

/** The wire form of `template` without the `pod-template-hash` label. */
function withoutHashLabel(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const t = wireForm(template);
  if (t.metadata !== undefined) {
    const labels = { ...t.metadata.labels };
    delete labels[POD_TEMPLATE_HASH_LABEL];
    t.metadata = { ...t.metadata, labels };
  }
  return t;
}

/**
 * Whether two templates are semantically equal apart from the `pod-template-hash` label
 * (Kubernetes' EqualIgnoreHash): how the controller finds a Deployment's new ReplicaSet.
 */
export function templatesEqualIgnoringHash(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  return canonicalEncoding(withoutHashLabel(a)) === canonicalEncoding(withoutHashLabel(b));
}
