import { describe, expect, it } from "vitest";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { PodInfo } from "../framework/pod-info.js";
import { cacheOf, makeNode, makePod, newState, podInfo } from "../testing/test-objects.js";
import { OwnerSpread } from "./owner-spread.js";

const ZONE = "topology.kubernetes.io/zone";

function scores(
  pod: PodInfo,
  nodes: ReturnType<typeof makeNode>[],
  pods: Pod[],
): Record<string, number> {
  const plugin = new OwnerSpread();
  const cache = cacheOf(nodes, pods);
  const state = newState();
  plugin.preScore(state, pod, cache.nodes);
  const raw = cache.nodes.map((n) => plugin.score(state, pod, n));
  plugin.normalizeScores(state, pod, raw);
  return Object.fromEntries(cache.nodes.map((n, i) => [n.name, raw[i] ?? -1]));
}

describe("OwnerSpread", () => {
  const sibling = (name: string, nodeName: string, ownerUid = "rs-1") =>
    makePod(name, { ownerUid, nodeName });

  it("prefers nodes with fewer pods of the same owner", () => {
    const nodes = [makeNode("n1"), makeNode("n2"), makeNode("n3")];
    const pods = [sibling("a", "n1"), sibling("b", "n1"), sibling("c", "n2")];
    expect(scores(podInfo("p", { ownerUid: "rs-1" }), nodes, pods)).toEqual({
      n1: 0,
      n2: 50,
      n3: 100,
    });
  });

  it("ignores pods of other owners, other namespaces and terminating pods", () => {
    const nodes = [makeNode("n1"), makeNode("n2")];
    const terminating = sibling("t", "n2");
    terminating.metadata = terminating.metadata && {
      ...terminating.metadata,
      deletionTimestamp: new Date(),
    };
    const pods = [
      sibling("a", "n1"),
      sibling("other", "n2", "rs-2"),
      makePod("elsewhere", { namespace: "other", ownerUid: "rs-1", nodeName: "n2" }),
      terminating,
    ];
    expect(scores(podInfo("p", { ownerUid: "rs-1" }), nodes, pods)).toEqual({ n1: 0, n2: 100 });
  });

  it("weighs zones 2/3 and nodes 1/3 when nodes have zones", () => {
    const nodes = [
      makeNode("a1", { labels: { [ZONE]: "a" } }),
      makeNode("a2", { labels: { [ZONE]: "a" } }),
      makeNode("b1", { labels: { [ZONE]: "b" } }),
    ];
    // a1 holds one replica: zone a is taken, a2 still free as a node.
    expect(scores(podInfo("p", { ownerUid: "rs-1" }), nodes, [sibling("x", "a1")])).toEqual({
      a1: 0,
      a2: 33,
      b1: 100,
    });
  });

  it("scores 0 for pods without a controller", () => {
    const nodes = [makeNode("n1"), makeNode("n2")];
    expect(scores(podInfo("p"), nodes, [sibling("a", "n1")])).toEqual({ n1: 0, n2: 0 });
  });
});
