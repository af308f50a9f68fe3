import { describe, expect, it } from "vitest";
import { defaultPlugins } from "../plugins/default-plugins.js";
import { NodeResourcesFit } from "../plugins/node-resources-fit.js";
import { cacheOf, makeNode, makePod, podInfo } from "../testing/test-objects.js";
import { Framework, PluginFailure } from "./framework.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import { pluginError, unschedulable, type FilterPlugin, type ScorePlugin } from "./plugin.js";
import { PodScheduler, numFeasibleNodesToFind } from "./schedule-pod.js";

describe("numFeasibleNodesToFind", () => {
  it("checks every node below 100 nodes", () => {
    expect(numFeasibleNodesToFind(0, 99)).toBe(99);
    expect(numFeasibleNodesToFind(10, 50)).toBe(50);
  });
  it("adapts: 50% minus 1% per 125 nodes, at least 5%, at least 100 nodes", () => {
    expect(numFeasibleNodesToFind(0, 100)).toBe(100);
    expect(numFeasibleNodesToFind(0, 1_000)).toBe(420);
    expect(numFeasibleNodesToFind(0, 5_000)).toBe(500);
    expect(numFeasibleNodesToFind(0, 10_000)).toBe(500);
  });
  it("uses a fixed percentage when given", () => {
    expect(numFeasibleNodesToFind(30, 1_000)).toBe(300);
    expect(numFeasibleNodesToFind(5, 1_000)).toBe(100);
    expect(numFeasibleNodesToFind(100, 1_000)).toBe(1_000);
  });
});

/** Counts Filter calls per node; rejects nodes named in `reject`. */
class CountingFilter implements FilterPlugin {
  readonly name = "Counting";
  readonly calls: string[] = [];
  constructor(private readonly reject = new Set<string>()) {}
  filter(_s: unknown, _p: PodInfo, node: NodeInfo) {
    this.calls.push(node.name);
    return this.reject.has(node.name) ? unschedulable("nope") : undefined;
  }
}

class FixedScore implements ScorePlugin {
  constructor(
    private readonly scores: Record<string, number>,
    readonly name = "Fixed",
  ) {}
  score(_s: unknown, _p: PodInfo, node: NodeInfo) {
    return this.scores[node.name] ?? 0;
  }
}

const manyNodes = (n: number) =>
  Array.from({ length: n }, (_, i) => makeNode(`n${String(i).padStart(4, "0")}`));

describe("PodScheduler", () => {
  it("stops filtering once enough nodes are feasible, and starts after the last node checked", () => {
    const filter = new CountingFilter();
    const scheduler = new PodScheduler(new Framework([{ plugin: filter }]), {
      percentageOfNodesToScore: 10,
    });
    const cache = cacheOf(manyNodes(1_000));
    const first = scheduler.schedule(podInfo("p1"), cache);
    expect(first).toMatchObject({ kind: "scheduled", evaluated: 100, feasible: 100 });
    expect(filter.calls[0]).toBe(cache.nodes[0]?.name);
    filter.calls.length = 0;
    scheduler.schedule(podInfo("p2"), cache);
    expect(filter.calls[0]).toBe(cache.nodes[100]?.name);
  });

  it("checks every node when too few are feasible, and reports why each was rejected", () => {
    const names = manyNodes(300).map((n) => n.metadata?.name ?? "");
    const filter = new CountingFilter(new Set(names.slice(0, 250)));
    const scheduler = new PodScheduler(new Framework([{ plugin: filter }]), {
      percentageOfNodesToScore: 0,
    });
    const out = scheduler.schedule(podInfo("p"), cacheOf(manyNodes(300)));
    expect(out).toMatchObject({ kind: "scheduled", evaluated: 300, feasible: 50 });
    const none = new PodScheduler(new Framework([{ plugin: new CountingFilter(new Set(names)) }]), {
      percentageOfNodesToScore: 0,
    }).schedule(podInfo("q"), cacheOf(manyNodes(300)));
    expect(none).toMatchObject({
      kind: "unschedulable",
      message: "0/300 nodes are available: 300 nope.",
      plugins: new Set(["Counting"]),
    });
  });

  it("picks the highest weighted sum of scores", () => {
    const nodes = [makeNode("a"), makeNode("b"), makeNode("c")];
    const framework = new Framework([
      { plugin: new FixedScore({ a: 100, b: 0, c: 60 }), weight: 1 },
      { plugin: new FixedScore({ a: 0, b: 60, c: 30 }, "Other"), weight: 2 },
    ]);
    // a: 100, b: 120, c: 120 -> b or c; with random 0.99 the first of the tie stays.
    const scheduler = new PodScheduler(framework, {
      percentageOfNodesToScore: 0,
      random: () => 0.99,
    });
    const out = scheduler.schedule(podInfo("p"), cacheOf(nodes));
    expect(out).toMatchObject({ kind: "scheduled", nodeName: "b" });
    const other = new PodScheduler(framework, { percentageOfNodesToScore: 0, random: () => 0 });
    expect(other.schedule(podInfo("p"), cacheOf(nodes))).toMatchObject({ nodeName: "c" });
  });

  it("breaks ties at random", () => {
    const nodes = [makeNode("a"), makeNode("b"), makeNode("c")];
    const scheduler = new PodScheduler(new Framework([{ plugin: new FixedScore({}) }]), {
      percentageOfNodesToScore: 0,
    });
    const chosen = new Set<string>();
    const cache = cacheOf(nodes);
    for (let i = 0; i < 200; i++) {
      const out = scheduler.schedule(podInfo(`p${i}`), cache);
      if (out.kind === "scheduled") chosen.add(out.nodeName);
    }
    expect(chosen).toEqual(new Set(["a", "b", "c"]));
  });

  it("says no nodes are available in an empty cluster", () => {
    const scheduler = new PodScheduler(new Framework(defaultPlugins()), {
      percentageOfNodesToScore: 0,
    });
    expect(scheduler.schedule(podInfo("p"), cacheOf([]))).toMatchObject({
      kind: "unschedulable",
      message: "no nodes available to schedule pods",
    });
  });

  it("turns a plugin error or exception into PluginFailure", () => {
    const failing: FilterPlugin = { name: "Broken", filter: () => pluginError("boom") };
    const throwing: FilterPlugin = {
      name: "Throwing",
      filter: () => {
        throw new Error("bad");
      },
    };
    for (const plugin of [failing, throwing])
      expect(() =>
        new PodScheduler(new Framework([{ plugin }]), { percentageOfNodesToScore: 0 }).schedule(
          podInfo("p"),
          cacheOf([makeNode("a")]),
        ),
      ).toThrow(PluginFailure);
  });

  it("with the default plugins, places a pod where it fits best", () => {
    const nodes = [makeNode("small", { cpu: "1" }), makeNode("busy"), makeNode("idle")];
    const cache = cacheOf(nodes, [makePod("x", { cpu: "3", nodeName: "busy" })]);
    const scheduler = new PodScheduler(new Framework(defaultPlugins()), {
      percentageOfNodesToScore: 0,
    });
    expect(scheduler.schedule(podInfo("p", { cpu: "2" }), cache)).toMatchObject({
      kind: "scheduled",
      nodeName: "idle",
      feasible: 1,
    });
    const rejected = scheduler.schedule(podInfo("q", { cpu: "5" }), cache);
    expect(rejected).toMatchObject({
      kind: "unschedulable",
      message: "0/3 nodes are available: 3 Insufficient cpu.",
      plugins: new Set([new NodeResourcesFit().name]),
    });
  });
});
