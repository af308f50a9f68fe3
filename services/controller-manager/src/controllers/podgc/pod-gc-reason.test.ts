import { describe, expect, it } from "vitest";
import { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { podGcReason } from "./pod-gc-reason.js";

const t0 = Date.parse("2030-01-01T00:00:00Z");

function pod(nodeName: string, deletionAtMs?: number): Pod {
  return Pod.fromPartial({
    metadata: {
      name: "p",
      namespace: "ns",
      uid: "u",
      deletionTimestamp: deletionAtMs === undefined ? undefined : new Date(deletionAtMs),
    },
    spec: { nodeName },
  });
}

function node(...taints: [string, string][]): Node {
  return Node.fromPartial({
    metadata: { name: "n1" },
    spec: { taints: taints.map(([key, effect]) => ({ key, effect })) },
  });
}

describe("podGcReason", () => {
  it("collects pods bound to a node that does not exist", () => {
    expect(podGcReason(pod("gone"), undefined, t0)).toBe("orphaned");
    expect(podGcReason(pod("n1"), node(), t0)).toBeUndefined();
  });

  it("collects terminating pods that were never bound", () => {
    expect(podGcReason(pod("", t0), undefined, t0)).toBe("unscheduled-terminating");
    expect(podGcReason(pod(""), undefined, t0)).toBeUndefined();
  });

  it("collects terminating pods on an unreachable or out-of-service node once the grace is over", () => {
    const unreachable = node(["node.kubernetes.io/unreachable", "NoExecute"]);
    expect(podGcReason(pod("n1", t0 + 1), unreachable, t0)).toBeUndefined(); // grace not over
    expect(podGcReason(pod("n1", t0), unreachable, t0)).toBe("terminating-on-lost-node");
    expect(podGcReason(pod("n1"), unreachable, t0)).toBeUndefined(); // not terminating
    const outOfService = node(["node.kubernetes.io/out-of-service", "NoExecute"]);
    expect(podGcReason(pod("n1", t0 - 1), outOfService, t0)).toBe("terminating-on-lost-node");
    // A live node finishes its pods itself; the NoSchedule unreachable taint alone (kept
    // during a full disruption) is not enough.
    expect(podGcReason(pod("n1", t0 - 1), node(), t0)).toBeUndefined();
    expect(
      podGcReason(pod("n1", t0 - 1), node(["node.kubernetes.io/unreachable", "NoSchedule"]), t0),
    ).toBeUndefined();
  });
});
