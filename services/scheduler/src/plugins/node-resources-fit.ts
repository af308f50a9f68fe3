// NodeResourcesFit: the pod's requests (init container max semantics) must fit in the
// node's allocatable minus what the pods already there (bound or assumed) request, for
// every resource the pod requests; and the node must have room for one more pod
// (allocatable "pods"). Every shortage is a reason: "Insufficient cpu", "Too many pods".
import type { ClusterEvent } from "../framework/cluster-event.js";
import { exactNumber, type NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { stateKey, type CycleState } from "../framework/cycle-state.js";
import {
  unschedulable,
  type FilterPlugin,
  type PreFilterPlugin,
  type Status,
} from "../framework/plugin.js";
import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS } from "../framework/resources.js";

export const TOO_MANY_PODS_REASON = "Too many pods";

export function insufficient(resource: string): string {
  return `Insufficient ${resource}`;
}

/** Kubernetes reports cpu, memory and ephemeral-storage first, then other resources. */
const FIRST = [CPU, MEMORY, EPHEMERAL_STORAGE];

/**
 * One requested resource: its amount, and for cpu and memory the same amount as a number
 * (NaN when not exact) so the check on every node is a float comparison, not a bigint one.
 */
interface Want {
  readonly name: string;
  readonly amount: bigint;
  readonly exact: number;
}

/** The pod's requested resources in reporting order, with their amounts. */
type Wanted = readonly Want[];

const WANTED = stateKey<Wanted>("NodeResourcesFit");

function wanted(pod: PodInfo): Wanted {
  const names = [
    ...FIRST.filter((r) => pod.requests.has(r)),
    ...[...pod.requests.keys()].filter((r) => !FIRST.includes(r) && r !== PODS).sort(),
  ];
  return names
    .map((name) => {
      const amount = pod.requests.get(name) ?? 0n;
      return { name, amount, exact: exactNumber(amount) };
    })
    .filter((w) => w.amount > 0n);
}

/** Whether `node` lacks room for `w` (exact either way). */
function short(w: Want, node: NodeInfo): boolean {
  const free =
    w.name === CPU ? node.freeCpuMilli : w.name === MEMORY ? node.freeMemoryMilli : Number.NaN;
  if (Number.isSafeInteger(free) && Number.isSafeInteger(w.exact)) return w.exact > free;
  return w.amount > (node.free.get(w.name) ?? 0n);
}

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin {
  readonly name = "NodeResourcesFit";
  readonly events: readonly ClusterEvent[] = ["NodeAdd", "NodeUpdate", "AssignedPodDelete"];

  preFilter(state: CycleState, pod: PodInfo): Status | undefined {
    state.write(WANTED, wanted(pod));
    return undefined;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    let reasons: string[] | undefined;
    if (node.podCount + 1 > node.allowedPods) reasons = [TOO_MANY_PODS_REASON];
    for (const w of state.read(WANTED) ?? wanted(pod))
      if (short(w, node)) (reasons ??= []).push(insufficient(w.name));
    return reasons === undefined ? undefined : unschedulable(...reasons);
  }
}
