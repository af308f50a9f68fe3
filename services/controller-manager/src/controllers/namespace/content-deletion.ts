// One pass over everything in a terminating namespace, as Kubernetes' namespaced resources
// deleter: for every namespaced kind of the registry, list through the API (not a cache:
// the controller must not finalize a namespace from a view that lags), delete what is not
// already being deleted (default propagation; Pods gracefully, their kubelet finishes),
// and list again to count what remains.
import {
  allKinds,
  ApiStatusError,
  type ApiClient,
  type ApiObjectLike,
  type KindClient,
  type KindInfo,
} from "@k8ts/sdk";

/** What a pass found. An empty namespace: no remaining objects and no failures. */
export interface ContentReport {
  /** Objects still present per resource ("pods", "replicasets.apps"), as listed after deleting. */
  readonly remaining: ReadonlyMap<string, number>;
  /** Objects still present per finalizer they carry. */
  readonly finalizers: ReadonlyMap<string, number>;
  /** Lists and deletes that failed, as messages. */
  readonly failures: readonly string[];
}

const PAGE = 500;

/** The resource name as Kubernetes prints a GroupResource: "pods", "replicasets.apps". */
export function groupResource(kind: KindInfo): string {
  const slash = kind.apiVersion.indexOf("/");
  return slash < 0 ? kind.plural : `${kind.plural}.${kind.apiVersion.slice(0, slash)}`;
}

/** Every namespaced kind, in the registry's order. */
export function namespacedKinds(): KindInfo[] {
  return allKinds().filter((k) => k.namespaced);
}

async function listAll(
  client: KindClient<ApiObjectLike>,
  namespace: string,
  signal: AbortSignal,
): Promise<ApiObjectLike[]> {
  const items: ApiObjectLike[] = [];
  let token = "";
  do {
    const page = await client.list({ namespace, limit: PAGE, continue: token, signal });
    items.push(...page.items);
    token = page.metadata.continue;
  } while (token !== "");
  return items;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function deleteNamespaceContent(
  api: ApiClient,
  namespace: string,
  signal: AbortSignal,
): Promise<ContentReport> {
  const remaining = new Map<string, number>();
  const finalizers = new Map<string, number>();
  const failures: string[] = [];
  for (const kind of namespacedKinds()) {
    const client = api.kindFor(kind) as KindClient<ApiObjectLike>;
    const resource = groupResource(kind);
    try {
      let items = await listAll(client, namespace, signal);
      let deleted = 0;
      for (const item of items) {
        const meta = item.metadata;
        if (meta === undefined || meta.deletionTimestamp !== undefined) continue;
        try {
          await client.delete(meta.name, {
            namespace,
            options: { preconditions: { uid: meta.uid, resourceVersion: "" } },
            signal,
          });
          deleted++;
        } catch (e) {
          // Gone already, or replaced (uid precondition): the next list tells.
          if (e instanceof ApiStatusError && (e.isNotFound || e.isConflict)) continue;
          failures.push(`${resource} "${meta.name}": ${message(e)}`);
        }
      }
      if (deleted > 0) items = await listAll(client, namespace, signal);
      if (items.length > 0) remaining.set(resource, items.length);
      for (const item of items)
        for (const f of item.metadata?.finalizers ?? [])
          finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    } catch (e) {
      if (signal.aborted) throw e;
      failures.push(`${resource}: ${message(e)}`);
    }
  }
  return { remaining, finalizers, failures };
}
