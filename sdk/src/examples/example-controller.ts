// An example controller built on the SDK (shown in docs/sdk.md): it keeps every
// ReplicaSet's status.replicas equal to the number of Pods its selector matches. Two
// shared informers feed one work queue of ReplicaSet keys; workers reconcile a key from
// the informers' caches and write status. Nothing runs before the caches have synced.
import type { ApiClient } from "../client/api-client.js";
import { ReplicaSet } from "../gen/k8ts/api/v1/replicaset.js";
import type { Pod } from "../gen/k8ts/api/v1/pod.js";
import { objectKey } from "../informer/indexed-store.js";
import { SharedInformerFactory } from "../informer/shared-informer-factory.js";
import { labelSelectorMatcher } from "../selectors/label-selector.js";
import { runWorkers } from "../workqueue/run-workers.js";
import { WorkQueue } from "../workqueue/work-queue.js";

export async function runReplicaCounter(client: ApiClient, signal: AbortSignal): Promise<void> {
  const factory = new SharedInformerFactory(client);
  const replicaSets = factory.informer("ReplicaSet");
  const pods = factory.informer("Pod");
  const queue = new WorkQueue<string>();
  const enqueue = (rs: ReplicaSet): void => queue.add(objectKey(rs));
  // A Pod change concerns every ReplicaSet of its namespace whose selector matches it.
  const owners = (pod: Pod): void => {
    for (const rs of replicaSets.lister.list({ namespace: pod.metadata?.namespace }))
      if (labelSelectorMatcher(rs.spec?.selector).matches(pod.metadata?.labels)) enqueue(rs);
  };
  replicaSets.addEventHandler({ onAdd: enqueue, onUpdate: (_old, rs) => enqueue(rs) });
  pods.addEventHandler({ onAdd: owners, onUpdate: (_old, p) => owners(p), onDelete: owners });
  factory.start(signal);
  if (!(await factory.waitForCacheSync(signal))) return;

  const reconcile = async (key: string): Promise<void> => {
    const rs = replicaSets.lister.getByKey(key);
    if (rs === undefined) return; // deleted meanwhile: nothing to report
    const selector = labelSelectorMatcher(rs.spec?.selector);
    const count = pods.lister.list({
      namespace: rs.metadata?.namespace,
      labelSelector: selector,
    }).length;
    if (rs.status?.replicas === count) return;
    // Conditional on the cached resourceVersion: a conflict throws, and the key is retried
    // with back-off once the cache has the newer version.
    const next = ReplicaSet.fromPartial({ ...rs, status: { ...rs.status, replicas: count } });
    await client.kind("ReplicaSet").updateStatus(next, { signal });
  };
  await runWorkers(queue, 2, reconcile, signal);
  queue.shutDown();
  await factory.whenStopped();
}
