import { describe, expect, it } from "vitest";
import { makeNode, makePod, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { BalancedAllocation, balancedScore } from "./balanced-allocation.js";

describe("NodeResourcesBalancedAllocation", () => {
  const plugin = new BalancedAllocation();

  it("scores 100 * (1 - standard deviation of the fractions)", () => {
    expect(balancedScore([0.5, 0.5])).toBe(100);
    expect(balancedScore([0.5, 0])).toBe(75);
    expect(balancedScore([1, 0])).toBe(50);
    expect(balancedScore([0.2])).toBe(100);
    expect(balancedScore([0, 0.5, 1])).toBe(59);
  });

  it("prefers the node whose cpu and memory use stay in proportion", () => {
    const pod = podInfo("p", { cpu: "100m", memory: "100Mi" });
    const skewed = nodeInfo(makeNode("s", { cpu: "4", memory: "4Gi" }), [
      makePod("hog", { cpu: "2", memory: "1Mi" }),
    ]);
    const even = nodeInfo(makeNode("e", { cpu: "4", memory: "4Gi" }), [
      makePod("x", { cpu: "1", memory: "1Gi" }),
    ]);
    // skewed: 2.1/4 = 0.525 vs 101Mi/4Gi = 0.025 -> 1 - 0.25 = 75 (truncated 74.99).
    expect(plugin.score(newState(), pod, skewed)).toBe(74);
    expect(plugin.score(newState(), pod, even)).toBe(99);
  });

  it("caps fractions at 1 and ignores resources the node does not have", () => {
    const over = nodeInfo(makeNode("o", { cpu: "1", memory: "1Gi" }), [makePod("x", { cpu: "3" })]);
    // cpu capped at 1, memory 0 -> 50.
    expect(plugin.score(newState(), podInfo("p"), over)).toBe(50);
    const cpuOnly = nodeInfo(makeNode("c", { cpu: "1", memory: "0" }));
    expect(plugin.score(newState(), podInfo("p", { cpu: "500m" }), cpuOnly)).toBe(100);
  });
});
