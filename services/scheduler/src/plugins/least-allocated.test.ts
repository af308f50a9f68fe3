import { describe, expect, it } from "vitest";
import { makeNode, makePod, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { LeastAllocated, leastRequestedScore } from "./least-allocated.js";

describe("NodeResourcesLeastAllocated", () => {
  const plugin = new LeastAllocated();

  it("scores (capacity - requested) * 100 / capacity, truncated, 0 when over", () => {
    expect(leastRequestedScore(0, 1000)).toBe(100);
    expect(leastRequestedScore(250, 1000)).toBe(75);
    expect(leastRequestedScore(333, 1000)).toBe(66);
    expect(leastRequestedScore(1000, 1000)).toBe(0);
    expect(leastRequestedScore(2000, 1000)).toBe(0);
    expect(leastRequestedScore(1, 0)).toBe(0);
  });

  it("averages cpu and memory after adding the pod's requests", () => {
    const node = nodeInfo(makeNode("n", { cpu: "4", memory: "8Gi" }), [
      makePod("x", { cpu: "1", memory: "2Gi" }),
    ]);
    // cpu: (4 - 2) / 4 = 50; memory: (8 - 4) / 8 = 50.
    expect(plugin.score(newState(), podInfo("p", { cpu: "1", memory: "2Gi" }), node)).toBe(50);
    // A pod without a memory request counts 200Mi: cpu (4 - 1.5) / 4 = 62; memory
    // (8192 - 2048 - 200) / 8192 = 72 -> 67.
    expect(plugin.score(newState(), podInfo("p", { cpu: "500m" }), node)).toBe(67);
  });

  it("counts containers without requests as 100m cpu and 200Mi memory", () => {
    const empty = nodeInfo(makeNode("n", { cpu: "1", memory: "1000Mi" }));
    // cpu (1000 - 100) / 1000 = 90; memory (1000 - 200) / 1000 = 80 -> 85.
    expect(plugin.score(newState(), podInfo("p"), empty)).toBe(85);
  });

  it("prefers the emptier of two equal nodes", () => {
    const pod = podInfo("p", { cpu: "100m", memory: "100Mi" });
    const busy = nodeInfo(makeNode("busy"), [makePod("x", { cpu: "2", memory: "4Gi" })]);
    const idle = nodeInfo(makeNode("idle"));
    expect(plugin.score(newState(), pod, idle)).toBeGreaterThan(
      plugin.score(newState(), pod, busy),
    );
  });
});
