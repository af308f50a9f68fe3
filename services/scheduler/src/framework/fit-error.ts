// The message of a pod that fits nowhere, in kube-scheduler's words:
//   "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient memory."
// Each node contributes the reasons of the plugin that rejected it; equal reasons are
// counted, and the "<count> <reason>" strings are sorted as strings, as Kubernetes sorts
// them (so "2 node(s) ..." comes before "3 Insufficient ...").

/** What kube-scheduler says when the cluster has no node at all. */
export const NO_NODES_MESSAGE = "no nodes available to schedule pods";

export function fitErrorMessage(
  numAllNodes: number,
  nodeReasons: Iterable<readonly string[]>,
  preFilterReasons: readonly string[] = [],
): string {
  if (numAllNodes === 0) return NO_NODES_MESSAGE;
  let message = `0/${numAllNodes} nodes are available:`;
  if (preFilterReasons.length > 0) return `${message} ${preFilterReasons.join(", ")}.`;
  const counts = new Map<string, number>();
  for (const reasons of nodeReasons)
    for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const histogram = [...counts].map(([reason, n]) => `${n} ${reason}`);
  // Byte order, as Go's sort.Strings (reasons are ASCII; localeCompare would differ).
  histogram.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (histogram.length > 0) message += ` ${histogram.join(", ")}.`;
  return message;
}
