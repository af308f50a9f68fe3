import { describe, expect, it } from "vitest";
import { makeNode, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { NODE_NOT_READY_REASON, NodeReady } from "./node-ready.js";

describe("NodeReady", () => {
  const plugin = new NodeReady();

  it("passes Ready nodes and rejects others, unresolvably", () => {
    const pod = podInfo("p");
    expect(plugin.filter(newState(), pod, nodeInfo(makeNode("a")))).toBeUndefined();
    for (const ready of ["False", "Unknown"])
      expect(plugin.filter(newState(), pod, nodeInfo(makeNode("b", { ready })))).toEqual({
        code: "UnschedulableAndUnresolvable",
        reasons: [NODE_NOT_READY_REASON],
      });
  });

  it("rejects a node without any Ready condition", () => {
    const node = makeNode("c");
    node.status = node.status && { ...node.status, conditions: [] };
    expect(plugin.filter(newState(), podInfo("p"), nodeInfo(node))?.reasons).toEqual([
      NODE_NOT_READY_REASON,
    ]);
  });

  it("lets pods that tolerate the not-ready taint through", () => {
    const pod = podInfo("ds", {
      spec: {
        tolerations: [
          { key: "node.kubernetes.io/not-ready", operator: "Exists", value: "", effect: "" },
        ],
      },
    });
    expect(
      plugin.filter(newState(), pod, nodeInfo(makeNode("b", { ready: "False" }))),
    ).toBeUndefined();
  });
});
