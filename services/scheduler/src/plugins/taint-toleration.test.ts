import { describe, expect, it } from "vitest";
import type { Taint } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import type { Toleration } from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import { makeNode, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { TaintToleration } from "./taint-toleration.js";
import { toleratesTaint } from "@k8ts/sdk";

const taint = (key: string, value: string, effect: string): Taint => ({
  key,
  value,
  effect,
  timeAdded: undefined,
});
const tol = (t: Partial<Toleration>): Toleration => ({
  key: "",
  operator: "",
  value: "",
  effect: "",
  tolerationSeconds: undefined,
  ...t,
});

describe("toleratesTaint", () => {
  const gpu = taint("dedicated", "gpu", "NoSchedule");
  it("matches key, value (Equal) and effect", () => {
    expect(
      toleratesTaint(
        tol({ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }),
        gpu,
      ),
    ).toBe(true);
    expect(toleratesTaint(tol({ key: "dedicated", value: "gpu" }), gpu)).toBe(true);
    expect(toleratesTaint(tol({ key: "dedicated", value: "cpu" }), gpu)).toBe(false);
    expect(toleratesTaint(tol({ key: "dedicated", value: "gpu", effect: "NoExecute" }), gpu)).toBe(
      false,
    );
    expect(toleratesTaint(tol({ key: "other", operator: "Exists" }), gpu)).toBe(false);
  });
  it("Exists ignores the value; an empty key with Exists tolerates everything", () => {
    expect(toleratesTaint(tol({ key: "dedicated", operator: "Exists" }), gpu)).toBe(true);
    expect(toleratesTaint(tol({ operator: "Exists" }), gpu)).toBe(true);
    expect(toleratesTaint(tol({ operator: "Exists", effect: "NoExecute" }), gpu)).toBe(false);
    expect(toleratesTaint(tol({ key: "dedicated", operator: "Nope" }), gpu)).toBe(false);
  });
});

describe("TaintToleration", () => {
  const plugin = new TaintToleration();

  it("rejects untolerated NoSchedule and NoExecute taints, naming the first", () => {
    const node = nodeInfo(
      makeNode("n", {
        taints: [
          taint("soft", "x", "PreferNoSchedule"),
          taint("dedicated", "gpu", "NoSchedule"),
          taint("maint", "", "NoExecute"),
        ],
      }),
    );
    expect(plugin.filter(newState(), podInfo("p"), node)).toEqual({
      code: "UnschedulableAndUnresolvable",
      reasons: ["node(s) had untolerated taint {dedicated: gpu}"],
    });
    const half = podInfo("q", {
      spec: { tolerations: [tol({ key: "dedicated", operator: "Exists" })] },
    });
    expect(plugin.filter(newState(), half, node)?.reasons).toEqual([
      "node(s) had untolerated taint {maint: }",
    ]);
    const all = podInfo("r", {
      spec: {
        tolerations: [
          tol({ key: "dedicated", operator: "Exists" }),
          tol({ key: "maint", operator: "Exists" }),
        ],
      },
    });
    expect(plugin.filter(newState(), all, node)).toBeUndefined();
  });

  it("scores fewer untolerated PreferNoSchedule taints higher", () => {
    const nodes = [
      nodeInfo(
        makeNode("two", {
          taints: [taint("a", "", "PreferNoSchedule"), taint("b", "", "PreferNoSchedule")],
        }),
      ),
      nodeInfo(
        makeNode("one", {
          taints: [taint("a", "", "PreferNoSchedule"), taint("c", "", "NoSchedule")],
        }),
      ),
      nodeInfo(makeNode("none")),
    ];
    const pod = podInfo("p");
    const scores = nodes.map((n) => plugin.score(newState(), pod, n));
    expect(scores).toEqual([2, 1, 0]);
    plugin.normalizeScores(newState(), pod, scores);
    expect(scores).toEqual([0, 50, 100]);

    // Tolerations only count when they apply to PreferNoSchedule.
    const tolerant = podInfo("t", {
      spec: { tolerations: [tol({ key: "a", operator: "Exists", effect: "PreferNoSchedule" })] },
    });
    expect(nodes.map((n) => plugin.score(newState(), tolerant, n))).toEqual([1, 0, 0]);
    const wrongEffect = podInfo("w", {
      spec: { tolerations: [tol({ key: "a", operator: "Exists", effect: "NoSchedule" })] },
    });
    expect(nodes.map((n) => plugin.score(newState(), wrongEffect, n))).toEqual([2, 1, 0]);
  });

  it("scores 100 everywhere when no node has such taints", () => {
    const scores = [0, 0, 0];
    plugin.normalizeScores(newState(), podInfo("p"), scores);
    expect(scores).toEqual([100, 100, 100]);
  });
});
