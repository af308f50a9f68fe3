import { describe, expect, it } from "vitest";
import { makeNode, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { NODE_UNSCHEDULABLE_REASON, NodeUnschedulable } from "./node-unschedulable.js";

describe("NodeUnschedulable", () => {
  const plugin = new NodeUnschedulable();

  it("rejects cordoned nodes only", () => {
    const pod = podInfo("p");
    expect(plugin.filter(newState(), pod, nodeInfo(makeNode("a")))).toBeUndefined();
    expect(
      plugin.filter(newState(), pod, nodeInfo(makeNode("b", { unschedulable: true }))),
    ).toEqual({ code: "UnschedulableAndUnresolvable", reasons: [NODE_UNSCHEDULABLE_REASON] });
  });

  it("lets pods tolerating node.kubernetes.io/unschedulable through", () => {
    const tolerant = podInfo("p", {
      spec: {
        tolerations: [
          {
            key: "node.kubernetes.io/unschedulable",
            operator: "Exists",
            value: "",
            effect: "NoSchedule",
          },
        ],
      },
    });
    expect(
      plugin.filter(newState(), tolerant, nodeInfo(makeNode("b", { unschedulable: true }))),
    ).toBeUndefined();
    const wrongEffect = podInfo("q", {
      spec: {
        tolerations: [
          {
            key: "node.kubernetes.io/unschedulable",
            operator: "Exists",
            value: "",
            effect: "NoExecute",
          },
        ],
      },
    });
    expect(
      plugin.filter(newState(), wrongEffect, nodeInfo(makeNode("b", { unschedulable: true }))),
    ).toBeDefined();
  });
});
