// Full disruption, Kubernetes' simple rule: when every node is not ready at once (in
// Kubernetes' terms, every zone is fully disrupted), the likeliest cause is the control
// plane's own connectivity, not every machine dying together. Then nothing is evicted
// (NoExecute taints are withheld) until a node is ready again, and on leaving it every
// node gets a fresh grace period.

/** Whether the cluster is fully disrupted, given each node's effective Ready status. */
export function isFullDisruption(readyStatuses: readonly (string | undefined)[]): boolean {
  return readyStatuses.length > 0 && readyStatuses.every((s) => s !== "True");
}
