// The default profile: filters in kube-scheduler's order (the first plugin that rejects a
// node gives the reason counted in the unschedulable message), and score weights as its
// defaults (taints 3; affinities and spreading 2; resource balance 1).
import type { PluginEntry } from "../framework/framework.js";
import { BalancedAllocation } from "./balanced-allocation.js";
import { InterPodAffinity } from "./inter-pod-affinity.js";
import { LeastAllocated } from "./least-allocated.js";
import { NodeAffinity } from "./node-affinity.js";
import { NodeName } from "./node-name.js";
import { NodePorts } from "./node-ports.js";
import { NodeReady } from "./node-ready.js";
import { NodeResourcesFit } from "./node-resources-fit.js";
import { NodeUnschedulable } from "./node-unschedulable.js";
import { OwnerSpread } from "./owner-spread.js";
import { TaintToleration } from "./taint-toleration.js";

export function defaultPlugins(): PluginEntry[] {
  return [
    { plugin: new NodeReady() },
    { plugin: new NodeUnschedulable() },
    { plugin: new NodeName() },
    { plugin: new TaintToleration(), weight: 3 },
    { plugin: new NodeAffinity(), weight: 2 },
    { plugin: new NodePorts() },
    { plugin: new NodeResourcesFit() },
    { plugin: new InterPodAffinity(), weight: 2 },
    { plugin: new LeastAllocated(), weight: 1 },
    { plugin: new BalancedAllocation(), weight: 1 },
    { plugin: new OwnerSpread(), weight: 2 },
  ];
}
