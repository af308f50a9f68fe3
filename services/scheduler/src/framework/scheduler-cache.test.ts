import { describe, expect, it } from "vitest";
import { FakeClock, silentLogger } from "@k8ts/sdk";
import { makeNode, makePod, podInfo } from "../testing/test-objects.js";
import { SchedulerCache } from "./scheduler-cache.js";

const ZONE = "topology.kubernetes.io/zone";

function setup() {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ assumedPodTtlMs: 1_000, clock, logger: silentLogger });
  const stop = new AbortController();
  cache.start(stop.signal);
  return { clock, cache, stop };
}

describe("SchedulerCache", () => {
  it("sums the requests of the pods on each node", () => {
    const { cache } = setup();
    cache.addNode(makeNode("n1"));
    cache.addPod(makePod("a", { uid: "a", cpu: "1", memory: "1Gi", nodeName: "n1" }));
    cache.addPod(makePod("b", { uid: "b", cpu: "500m", nodeName: "n1" }));
    const n1 = cache.node("n1");
    expect(n1?.requested.get("cpu")).toBe(1500n);
    expect(n1?.podCount).toBe(2);
    cache.removePod(makePod("a", { uid: "a", nodeName: "n1" }));
    expect(n1?.requested.get("cpu")).toBe(500n);
    expect(n1?.requested.has("memory")).toBe(false);
  });

  it("counts assumed pods until the bind is confirmed or forgotten", () => {
    const { cache } = setup();
    cache.addNode(makeNode("n1"));
    const pod = podInfo("p", { uid: "p", cpu: "2" });
    cache.assumePod(pod, "n1");
    expect(cache.isAssumed("p")).toBe(true);
    expect(cache.node("n1")?.requested.get("cpu")).toBe(2000n);
    expect(cache.forgetPod("p")).toBe(true);
    expect(cache.node("n1")?.requested.get("cpu")).toBeUndefined();
    expect(cache.forgetPod("p")).toBe(false);

    cache.assumePod(pod, "n1");
    cache.addPod(makePod("p", { uid: "p", cpu: "2", nodeName: "n1" })); // the informer confirms
    expect(cache.isAssumed("p")).toBe(false);
    expect(cache.node("n1")?.podCount).toBe(1);
  });

  it("moves an assumed pod that someone else bound elsewhere", () => {
    const { cache } = setup();
    cache.addNode(makeNode("n1"));
    cache.addNode(makeNode("n2"));
    cache.assumePod(podInfo("p", { uid: "p", cpu: "1" }), "n1");
    cache.addPod(makePod("p", { uid: "p", cpu: "1", nodeName: "n2" }));
    expect(cache.node("n1")?.podCount).toBe(0);
    expect(cache.node("n2")?.podCount).toBe(1);
    expect(cache.forgetPod("p")).toBe(false); // our bind then fails: nothing to undo
    expect(cache.node("n2")?.podCount).toBe(1);
  });

  it("expires an assumed pod the informer never confirms, counting from the end of its bind", () => {
    const { cache, clock } = setup();
    cache.addNode(makeNode("n1"));
    cache.assumePod(podInfo("p", { uid: "p" }), "n1");
    clock.advance(5_000); // bind still in flight: never expires
    expect(cache.isAssumed("p")).toBe(true);
    cache.finishBinding("p");
    clock.advance(900);
    expect(cache.isAssumed("p")).toBe(true);
    clock.advance(700);
    expect(cache.isAssumed("p")).toBe(false);
    expect(cache.node("n1")?.podCount).toBe(0);
  });

  it("keeps pods of unknown nodes, but lists only nodes it knows", () => {
    const { cache } = setup();
    cache.addPod(makePod("early", { uid: "e", cpu: "1", nodeName: "late" }));
    expect(cache.nodes.map((n) => n.name)).toEqual([]);
    expect(cache.node("late")).toBeUndefined();
    cache.addNode(makeNode("late"));
    expect(cache.node("late")?.requested.get("cpu")).toBe(1000n);
    cache.removeNode(makeNode("late"));
    expect(cache.nodes).toEqual([]);
    cache.addNode(makeNode("late"));
    expect(cache.node("late")?.podCount).toBe(1);
  });

  it("leaves terminal pods out", () => {
    const { cache } = setup();
    cache.addNode(makeNode("n1"));
    cache.addPod(makePod("p", { uid: "p", cpu: "1", nodeName: "n1" }));
    cache.updatePod(makePod("p", { uid: "p", cpu: "1", nodeName: "n1", phase: "Succeeded" }));
    expect(cache.node("n1")?.podCount).toBe(0);
    cache.addPod(makePod("q", { uid: "q", nodeName: "n1", phase: "Failed" }));
    expect(cache.hasPod("q")).toBe(false);
  });

  it("lists nodes round-robin across zones", () => {
    const { cache } = setup();
    for (const [name, zone] of [
      ["a1", "a"],
      ["a2", "a"],
      ["a3", "a"],
      ["b1", "b"],
      ["c1", "c"],
      ["c2", "c"],
    ])
      cache.addNode(makeNode(name ?? "", { labels: { [ZONE]: zone ?? "" } }));
    expect(cache.nodes.map((n) => n.name)).toEqual(["a1", "b1", "c1", "a2", "c2", "a3"]);
  });

  it("tracks nodes with pods that have affinity terms", () => {
    const { cache } = setup();
    cache.addNode(makeNode("n1"));
    const anti = {
      uid: "x",
      nodeName: "n1",
      affinity: {
        nodeAffinity: undefined,
        podAffinity: undefined,
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: { app: "a" }, matchExpressions: [] },
              namespaces: [],
              topologyKey: "kubernetes.io/hostname",
            },
          ],
          preferredDuringSchedulingIgnoredDuringExecution: [],
        },
      },
    };
    cache.addPod(makePod("x", anti));
    expect([...cache.nodesWithRequiredAntiAffinityPods()].map((n) => n.name)).toEqual(["n1"]);
    expect([...cache.nodesWithAffinityPods()].map((n) => n.name)).toEqual(["n1"]);
    cache.removePod(makePod("x", anti));
    expect([...cache.nodesWithRequiredAntiAffinityPods()]).toEqual([]);
  });
});
