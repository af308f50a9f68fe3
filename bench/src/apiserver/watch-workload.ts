// The watch benchmark's workload, shared by the writer, the watcher processes and the bare
// broadcast server: where write i goes (namespace, labels, node) and what watcher j
// selects. Two mixes of watchers, per watcher process:
//
// - "kubelets" (default), a cluster's shape: 1 watcher on every write of the phase (a
//   controller's informer; `phase=watch` keeps earlier phases' objects out of its initial
//   events), 10 on one namespace each (1 in 10 writes), 5 on one `app` label across all
//   namespaces (1 in 20), and the rest like kubelets, each on the pods of one node
//   (`spec.nodeName=node-j`, writes spread over as many nodes as there are watchers).
//   With 4 processes of 250 a write reaches about 10 watchers: at 500 writes/s about
//   5,000 deliveries/s.
// - "selectors", a heavy fan-out: every watcher on a namespace (1 in 10), a label (1 in
//   20), a namespace and a label (1 in 20) or all of the phase, about 66 watchers per write:
//   at 500 writes/s about 33,000 deliveries/s, each one decoded by an SDK client.
import type { PodPlacement } from "./bench-pod.js";

export const WATCH_NAMESPACE_COUNT = 10;
/** On the BOOKMARK that ends a watch's initial events (the watch is then established). */
export const INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";
const APPS = 20;

export const WATCH_MIXES = ["kubelets", "selectors"] as const;
export type WatchMix = (typeof WATCH_MIXES)[number];

export function watchNamespace(n: number): string {
  return `bench-watch-${n}`;
}

export interface WatchSelection {
  /** "" = every namespace. */
  readonly namespace: string;
  /** One `key=value` term or "" (the bare server understands only that much). */
  readonly labelSelector: string;
  /** `spec.nodeName=NODE` or "". */
  readonly fieldSelector: string;
}

export interface WatchPlacement extends PodPlacement {
  readonly nodeName: string;
}

/** Where write `i` of the watch phase goes; `nodes` = the number of watchers. */
export function watchPlacement(i: number, prefix: string, nodes: number): WatchPlacement {
  return {
    namespace: watchNamespace(i % WATCH_NAMESPACE_COUNT),
    name: `${prefix}-${i}`,
    labels: {
      phase: "watch",
      app: `app-${i % APPS}`,
      tier: Math.floor(i / WATCH_NAMESPACE_COUNT) % 2 === 0 ? "frontend" : "backend",
    },
    nodeName: `node-${i % nodes}`,
  };
}

const select = (namespace: string, labelSelector = "", fieldSelector = ""): WatchSelection => ({
  namespace,
  labelSelector,
  fieldSelector,
});

/** What watcher `j` (numbered across all processes) selects. */
export function watchSelection(j: number, perProcess: number, mix: WatchMix): WatchSelection {
  const local = j % perProcess;
  if (local === 0) return select("", "phase=watch");
  if (mix === "kubelets") {
    const process = Math.floor(j / perProcess);
    if (local <= WATCH_NAMESPACE_COUNT) return select(watchNamespace(local - 1));
    if (local <= WATCH_NAMESPACE_COUNT + 5)
      return select("", `app=app-${(process * 5 + local - WATCH_NAMESPACE_COUNT - 1) % APPS}`);
    return select("", "", `spec.nodeName=node-${j}`);
  }
  const a = Math.floor(j / 4);
  const namespace = watchNamespace(a % WATCH_NAMESPACE_COUNT);
  switch (j % 4) {
    case 0:
      return select(namespace);
    case 1:
      return select("", `app=app-${a % APPS}`);
    case 2:
      return select(namespace, `app=app-${a % APPS}`);
    default:
      return select(namespace, `tier=${a % 2 === 0 ? "frontend" : "backend"}`);
  }
}

export function selects(selection: WatchSelection, placement: WatchPlacement): boolean {
  if (selection.namespace !== "" && selection.namespace !== placement.namespace) return false;
  if (
    selection.fieldSelector !== "" &&
    selection.fieldSelector !== `spec.nodeName=${placement.nodeName}`
  )
    return false;
  if (selection.labelSelector === "") return true;
  const eq = selection.labelSelector.indexOf("=");
  return (
    placement.labels[selection.labelSelector.slice(0, eq)] === selection.labelSelector.slice(eq + 1)
  );
}

export interface WatcherSet {
  readonly first: number;
  readonly count: number;
  readonly perProcess: number;
  /** All watchers of all processes (= nodes). */
  readonly total: number;
  readonly mix: WatchMix;
  readonly prefix: string;
}

/** Per watcher of `set` (in order), the deliveries it should receive for writes [0, writes). */
export function expectedDeliveries(set: WatcherSet, writes: number): number[] {
  const placements = Array.from({ length: writes }, (_, i) =>
    watchPlacement(i, set.prefix, set.total),
  );
  return Array.from({ length: set.count }, (_, k) => {
    const s = watchSelection(set.first + k, set.perProcess, set.mix);
    let n = 0;
    for (const p of placements) if (selects(s, p)) n++;
    return n;
  });
}
