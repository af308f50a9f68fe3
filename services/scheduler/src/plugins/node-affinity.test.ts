import { describe, expect, it } from "vitest";
import type { Affinity, NodeSelectorRequirement } from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import { makeNode, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { NODE_AFFINITY_REASON, NodeAffinity } from "./node-affinity.js";

const req = (key: string, operator: string, values: string[] = []): NodeSelectorRequirement => ({
  key,
  operator,
  values,
});

function required(
  ...terms: {
    matchExpressions?: NodeSelectorRequirement[];
    matchFields?: NodeSelectorRequirement[];
  }[]
): Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((t) => ({
          matchExpressions: t.matchExpressions ?? [],
          matchFields: t.matchFields ?? [],
        })),
      },
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
    podAffinity: undefined,
    podAntiAffinity: undefined,
  };
}

describe("NodeAffinity filter", () => {
  const plugin = new NodeAffinity();
  const node = nodeInfo(makeNode("n1", { labels: { disk: "ssd", gen: "3", zone: "a" } }));
  const fits = (affinity: Affinity): boolean =>
    plugin.filter(newState(), podInfo("p", { affinity }), node) === undefined;

  it("requires every nodeSelector label", () => {
    expect(
      plugin.filter(newState(), podInfo("p", { spec: { nodeSelector: { disk: "ssd" } } }), node),
    ).toBeUndefined();
    expect(
      plugin.filter(
        newState(),
        podInfo("p", { spec: { nodeSelector: { disk: "ssd", gpu: "yes" } } }),
        node,
      ),
    ).toEqual({ code: "UnschedulableAndUnresolvable", reasons: [NODE_AFFINITY_REASON] });
  });

  it("supports In, NotIn, Exists, DoesNotExist, Gt and Lt", () => {
    expect(fits(required({ matchExpressions: [req("disk", "In", ["hdd", "ssd"])] }))).toBe(true);
    expect(fits(required({ matchExpressions: [req("disk", "In", ["hdd"])] }))).toBe(false);
    expect(fits(required({ matchExpressions: [req("disk", "NotIn", ["hdd"])] }))).toBe(true);
    expect(fits(required({ matchExpressions: [req("missing", "NotIn", ["x"])] }))).toBe(true);
    expect(fits(required({ matchExpressions: [req("disk", "NotIn", ["ssd"])] }))).toBe(false);
    expect(fits(required({ matchExpressions: [req("disk", "Exists")] }))).toBe(true);
    expect(fits(required({ matchExpressions: [req("gpu", "Exists")] }))).toBe(false);
    expect(fits(required({ matchExpressions: [req("gpu", "DoesNotExist")] }))).toBe(true);
    expect(fits(required({ matchExpressions: [req("disk", "DoesNotExist")] }))).toBe(false);
    expect(fits(required({ matchExpressions: [req("gen", "Gt", ["2"])] }))).toBe(true);
    expect(fits(required({ matchExpressions: [req("gen", "Gt", ["3"])] }))).toBe(false);
    expect(fits(required({ matchExpressions: [req("gen", "Lt", ["4"])] }))).toBe(true);
    expect(fits(required({ matchExpressions: [req("gen", "Lt", ["3"])] }))).toBe(false);
    // Gt/Lt on a non-integer label or value never match.
    expect(fits(required({ matchExpressions: [req("disk", "Gt", ["1"])] }))).toBe(false);
    expect(fits(required({ matchExpressions: [req("gen", "Gt", ["x"])] }))).toBe(false);
    expect(fits(required({ matchExpressions: [req("disk", "Bogus", ["ssd"])] }))).toBe(false);
  });

  it("ANDs the requirements of a term and ORs the terms; an empty term matches nothing", () => {
    expect(
      fits(required({ matchExpressions: [req("disk", "In", ["ssd"]), req("zone", "In", ["b"])] })),
    ).toBe(false);
    expect(
      fits(
        required(
          { matchExpressions: [req("zone", "In", ["b"])] },
          { matchExpressions: [req("disk", "In", ["ssd"])] },
        ),
      ),
    ).toBe(true);
    expect(fits(required({}))).toBe(false);
    expect(fits(required())).toBe(false);
  });

  it("matches fields on metadata.name with In and NotIn", () => {
    expect(fits(required({ matchFields: [req("metadata.name", "In", ["n1"])] }))).toBe(true);
    expect(fits(required({ matchFields: [req("metadata.name", "In", ["n2"])] }))).toBe(false);
    expect(fits(required({ matchFields: [req("metadata.name", "NotIn", ["n2"])] }))).toBe(true);
    expect(fits(required({ matchFields: [req("metadata.uid", "In", ["n1"])] }))).toBe(false);
    expect(fits(required({ matchFields: [req("metadata.name", "Exists")] }))).toBe(false);
  });
});

describe("NodeAffinity score", () => {
  const plugin = new NodeAffinity();

  it("sums the weights of matching preferred terms, scaled so the best gets 100", () => {
    const pod = podInfo("p", {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: undefined,
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 30,
              preference: { matchExpressions: [req("disk", "In", ["ssd"])], matchFields: [] },
            },
            {
              weight: 10,
              preference: { matchExpressions: [req("zone", "In", ["a"])], matchFields: [] },
            },
          ],
        },
        podAffinity: undefined,
        podAntiAffinity: undefined,
      },
    });
    const nodes = [
      nodeInfo(makeNode("both", { labels: { disk: "ssd", zone: "a" } })),
      nodeInfo(makeNode("ssd", { labels: { disk: "ssd" } })),
      nodeInfo(makeNode("zone", { labels: { zone: "a" } })),
      nodeInfo(makeNode("none")),
    ];
    const scores = nodes.map((n) => plugin.score(newState(), pod, n));
    expect(scores).toEqual([40, 30, 10, 0]);
    plugin.normalizeScores(newState(), pod, scores);
    expect(scores).toEqual([100, 75, 25, 0]);
  });

  it("scores 0 everywhere without preferences", () => {
    const scores = [0, 0];
    plugin.normalizeScores(newState(), podInfo("p"), scores);
    expect(scores).toEqual([0, 0]);
  });
});
