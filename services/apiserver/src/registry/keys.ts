// Where objects live in the store: /registry/<plural>/<namespace>/<name> for namespaced
// kinds, /registry/<plural>/<name> for cluster-scoped ones (as Kubernetes lays out etcd).
// Names and namespaces never contain "/", so a prefix selects exactly one kind or one
// namespace of a kind.
import type { KindInfo } from "@k8ts/sdk";

export const REGISTRY_PREFIX = "/registry/";

export function objectKey(kind: KindInfo, namespace: string, name: string): string {
  return kind.namespaced
    ? `${REGISTRY_PREFIX}${kind.plural}/${namespace}/${name}`
    : `${REGISTRY_PREFIX}${kind.plural}/${name}`;
}

/** Prefix of every object of a kind, or of one namespace of it ("" = all namespaces). */
export function kindPrefix(kind: KindInfo, namespace = ""): string {
  return kind.namespaced && namespace !== ""
    ? `${REGISTRY_PREFIX}${kind.plural}/${namespace}/`
    : `${REGISTRY_PREFIX}${kind.plural}/`;
}

/** The plural a key belongs to, e.g. "pods" for /registry/pods/default/web. */
export function pluralOfKey(key: string): string | undefined {
  if (!key.startsWith(REGISTRY_PREFIX)) return undefined;
  const rest = key.slice(REGISTRY_PREFIX.length);
  const slash = rest.indexOf("/");
  return slash < 0 ? undefined : rest.slice(0, slash);
}
