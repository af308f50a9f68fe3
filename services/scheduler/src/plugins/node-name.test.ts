import { describe, expect, it } from "vitest";
import { makeNode, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { NODE_NAME_REASON, NodeName } from "./node-name.js";

describe("NodeName", () => {
  const plugin = new NodeName();

  it("passes every node when the pod names none", () => {
    expect(plugin.filter(newState(), podInfo("p"), nodeInfo(makeNode("a")))).toBeUndefined();
  });

  it("passes only the named node", () => {
    const pod = podInfo("p", { nodeName: "b" });
    expect(plugin.filter(newState(), pod, nodeInfo(makeNode("b")))).toBeUndefined();
    expect(plugin.filter(newState(), pod, nodeInfo(makeNode("a")))).toEqual({
      code: "UnschedulableAndUnresolvable",
      reasons: [NODE_NAME_REASON],
    });
  });
});
