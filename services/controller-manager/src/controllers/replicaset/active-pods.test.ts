import { describe, expect, it } from "vitest";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { compareActivePods, isPodActive, podsToDelete } from "./active-pods.js";

interface PodShape {
  node?: string;
  phase?: string;
  readySince?: number;
  notReady?: boolean;
  restarts?: number;
  created?: number;
  deleting?: boolean;
}

function pod(name: string, s: PodShape = {}): Pod {
  const ready = s.readySince !== undefined || s.notReady === true;
  return Pod.fromPartial({
    metadata: {
      name,
      creationTimestamp: s.created === undefined ? undefined : new Date(s.created * 1000),
      deletionTimestamp: s.deleting === true ? new Date() : undefined,
    },
    spec: { nodeName: s.node ?? "" },
    status: {
      phase: s.phase ?? "",
      conditions: ready
        ? [
            {
              type: "Ready",
              status: s.notReady === true ? "False" : "True",
              lastTransitionTime:
                s.readySince === undefined ? undefined : new Date(s.readySince * 1000),
            },
          ]
        : [],
      containerStatuses: [{ name: "main", restartCount: s.restarts ?? 0 }],
    },
  });
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

describe("isPodActive", () => {
  it("counts pods that are neither terminating nor finished", () => {
    expect(isPodActive(pod("a", { phase: "Running" }))).toBe(true);
    expect(isPodActive(pod("a", { phase: "Pending" }))).toBe(true);
    expect(isPodActive(pod("a"))).toBe(true);
    expect(isPodActive(pod("a", { phase: "Succeeded" }))).toBe(false);
    expect(isPodActive(pod("a", { phase: "Failed" }))).toBe(false);
    expect(isPodActive(pod("a", { phase: "Running", deleting: true }))).toBe(false);
  });
});

describe("ActivePods order (least valuable first)", () => {
  const running = { node: "n1", phase: "Running" };
  it("unassigned before assigned", () => {
    expect(compareActivePods(pod("a"), pod("b", running))).toBeLessThan(0);
    expect(compareActivePods(pod("b", running), pod("a"))).toBeGreaterThan(0);
    // Two assigned pods on different nodes are not ordered by node.
    expect(compareActivePods(pod("a", running), pod("b", { ...running, node: "n2" }))).toBe(0);
  });
  it("Pending < Unknown < Running", () => {
    const sorted = podsToDelete(
      [
        pod("running", running),
        pod("unknown", { node: "n1", phase: "Unknown" }),
        pod("pending", { node: "n1", phase: "Pending" }),
      ],
      3,
    );
    expect(names(sorted)).toEqual(["pending", "unknown", "running"]);
  });
  it("not ready before ready, then ready for less time first", () => {
    const sorted = podsToDelete(
      [
        pod("old-ready", { ...running, readySince: 100 }),
        pod("not-ready", { ...running, notReady: true }),
        pod("new-ready", { ...running, readySince: 200 }),
        pod("ready-unknown-time", { ...running, readySince: undefined, notReady: false }),
      ],
      4,
    );
    expect(names(sorted)).toEqual(["not-ready", "ready-unknown-time", "new-ready", "old-ready"]);
  });
  it("more restarts first, then newer first (unknown creation time first of all)", () => {
    const sorted = podsToDelete(
      [
        pod("old", { ...running, created: 10 }),
        pod("crashing", { ...running, created: 10, restarts: 5 }),
        pod("new", { ...running, created: 20 }),
        pod("no-time", { ...running }),
      ],
      4,
    );
    expect(names(sorted)).toEqual(["crashing", "no-time", "new", "old"]);
  });
  it("earlier criteria win over later ones", () => {
    const sorted = podsToDelete(
      [
        pod("ready-new", { ...running, readySince: 500, created: 50 }),
        pod("pending-old-crashing", { node: "n1", phase: "Pending", created: 1, restarts: 9 }),
        pod("unassigned-old", { created: 1 }),
      ],
      3,
    );
    expect(names(sorted)).toEqual(["unassigned-old", "pending-old-crashing", "ready-new"]);
  });
  it("podsToDelete takes the first `count` and leaves its input alone", () => {
    const input = [pod("b", running), pod("a")];
    expect(names(podsToDelete(input, 1))).toEqual(["a"]);
    expect(names(input)).toEqual(["b", "a"]);
    expect(podsToDelete(input, 0)).toEqual([]);
  });
});
