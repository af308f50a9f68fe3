import { describe, expect, it } from "vitest";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { Affinity, PodAffinityTerm } from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import type { PodInfo } from "../framework/pod-info.js";
import { cacheOf, makeNode, makePod, newState, podInfo, term } from "../testing/test-objects.js";
import {
  AFFINITY_REASON,
  ANTI_AFFINITY_REASON,
  EXISTING_ANTI_AFFINITY_REASON,
  InterPodAffinity,
} from "./inter-pod-affinity.js";

const HOST = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";

function affinity(parts: {
  required?: PodAffinityTerm[];
  anti?: PodAffinityTerm[];
  preferred?: [number, PodAffinityTerm][];
  preferredAnti?: [number, PodAffinityTerm][];
}): Affinity {
  const weighted = (l: [number, PodAffinityTerm][] = []) =>
    l.map(([weight, podAffinityTerm]) => ({ weight, podAffinityTerm }));
  return {
    nodeAffinity: undefined,
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: parts.required ?? [],
      preferredDuringSchedulingIgnoredDuringExecution: weighted(parts.preferred),
    },
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: parts.anti ?? [],
      preferredDuringSchedulingIgnoredDuringExecution: weighted(parts.preferredAnti),
    },
  };
}

const nodes = [
  makeNode("a1", { labels: { [ZONE]: "a" } }),
  makeNode("a2", { labels: { [ZONE]: "a" } }),
  makeNode("b1", { labels: { [ZONE]: "b" } }),
  makeNode("nozone"),
];

/** Filter verdicts per node name for `pod` with `existing` pods bound. */
function verdicts(pod: PodInfo, existing: Pod[]): Record<string, string> {
  const plugin = new InterPodAffinity();
  const cache = cacheOf(nodes, existing);
  const state = newState();
  expect(plugin.preFilter(state, pod, cache)).toBeUndefined();
  const out: Record<string, string> = {};
  for (const n of cache.nodes) out[n.name] = plugin.filter(state, pod, n)?.reasons[0] ?? "ok";
  return out;
}

describe("InterPodAffinity filter", () => {
  it("passes everything when no pod has affinity", () => {
    expect(verdicts(podInfo("p"), [makePod("x", { nodeName: "a1" })])).toEqual({
      a1: "ok",
      a2: "ok",
      b1: "ok",
      nozone: "ok",
    });
  });

  it("required affinity: only domains holding a matching pod, and only nodes with the label", () => {
    const pod = podInfo("p", { affinity: affinity({ required: [term({ app: "db" }, ZONE)] }) });
    expect(verdicts(pod, [makePod("db", { labels: { app: "db" }, nodeName: "a2" })])).toEqual({
      a1: "ok",
      a2: "ok",
      b1: AFFINITY_REASON,
      nozone: AFFINITY_REASON,
    });
  });

  it("required affinity in another namespace only counts pods there", () => {
    const pod = podInfo("p", {
      namespace: "ns1",
      affinity: affinity({ required: [term({ app: "db" }, HOST)] }),
    });
    const other = makePod("db", { namespace: "ns2", labels: { app: "db" }, nodeName: "a1" });
    const same = makePod("db", { namespace: "ns1", labels: { app: "db" }, nodeName: "b1" });
    expect(verdicts(pod, [other, same])).toEqual({
      a1: AFFINITY_REASON,
      a2: AFFINITY_REASON,
      b1: "ok",
      nozone: AFFINITY_REASON,
    });
  });

  it("the first pod of a self-affine group may go anywhere with the topology label", () => {
    const pod = podInfo("p", {
      labels: { app: "db" },
      affinity: affinity({ required: [term({ app: "db" }, ZONE)] }),
    });
    expect(verdicts(pod, [])).toEqual({ a1: "ok", a2: "ok", b1: "ok", nozone: AFFINITY_REASON });
    // A pod that does not match its own terms must find a match.
    const stranger = podInfo("q", {
      affinity: affinity({ required: [term({ app: "db" }, ZONE)] }),
    });
    expect(verdicts(stranger, [])).toEqual({
      a1: AFFINITY_REASON,
      a2: AFFINITY_REASON,
      b1: AFFINITY_REASON,
      nozone: AFFINITY_REASON,
    });
  });

  it("required anti-affinity keeps the pod out of domains with matching pods", () => {
    const pod = podInfo("p", { affinity: affinity({ anti: [term({ app: "web" }, ZONE)] }) });
    expect(verdicts(pod, [makePod("w", { labels: { app: "web" }, nodeName: "a1" })])).toEqual({
      a1: ANTI_AFFINITY_REASON,
      a2: ANTI_AFFINITY_REASON,
      b1: "ok",
      nozone: "ok",
    });
  });

  it("existing pods' required anti-affinity keeps matching pods out of their domain", () => {
    const loner = makePod("loner", {
      nodeName: "b1",
      affinity: affinity({ anti: [term({ app: "noisy" }, HOST)] }),
    });
    expect(verdicts(podInfo("p", { labels: { app: "noisy" } }), [loner])).toEqual({
      a1: "ok",
      a2: "ok",
      b1: EXISTING_ANTI_AFFINITY_REASON,
      nozone: "ok",
    });
    expect(verdicts(podInfo("q", { labels: { app: "calm" } }), [loner]).b1).toBe("ok");
  });

  it("counts assumed pods like bound ones (consecutive replicas see each other)", () => {
    const plugin = new InterPodAffinity();
    const cache = cacheOf(nodes);
    const spec = {
      labels: { app: "web" },
      affinity: affinity({ anti: [term({ app: "web" }, HOST)] }),
    };
    cache.assumePod(podInfo("w0", spec), "a1");
    const state = newState();
    const next = podInfo("w1", spec);
    plugin.preFilter(state, next, cache);
    const a1 = cache.node("a1");
    const a2 = cache.node("a2");
    expect(a1 && plugin.filter(state, next, a1)?.reasons).toEqual([ANTI_AFFINITY_REASON]);
    expect(a2 && plugin.filter(state, next, a2)).toBeUndefined();
  });
});

describe("InterPodAffinity score", () => {
  function scores(pod: PodInfo, existing: Pod[]): Record<string, number> {
    const plugin = new InterPodAffinity();
    const cache = cacheOf(nodes, existing);
    const state = newState();
    plugin.preScore(state, pod, cache.nodes, cache);
    const raw = cache.nodes.map((n) => plugin.score(state, pod, n));
    plugin.normalizeScores(state, pod, raw);
    return Object.fromEntries(cache.nodes.map((n, i) => [n.name, raw[i] ?? -1]));
  }

  it("prefers domains with pods matching preferred affinity, avoids anti-affinity ones", () => {
    const db = makePod("db", { labels: { app: "db" }, nodeName: "b1" });
    const near = podInfo("p", {
      affinity: affinity({ preferred: [[10, term({ app: "db" }, ZONE)]] }),
    });
    expect(scores(near, [db])).toEqual({ a1: 0, a2: 0, b1: 100, nozone: 0 });
    const far = podInfo("q", {
      affinity: affinity({ preferredAnti: [[10, term({ app: "db" }, ZONE)]] }),
    });
    expect(scores(far, [db])).toEqual({ a1: 100, a2: 100, b1: 0, nozone: 100 });
  });

  it("weighs terms against each other and counts every matching pod", () => {
    const pods = [
      makePod("c1", { labels: { app: "cache" }, nodeName: "a1" }),
      makePod("c2", { labels: { app: "cache" }, nodeName: "a1" }),
      makePod("db", { labels: { app: "db" }, nodeName: "b1" }),
    ];
    const pod = podInfo("p", {
      affinity: affinity({
        preferred: [
          [10, term({ app: "cache" }, HOST)],
          [30, term({ app: "db" }, HOST)],
        ],
      }),
    });
    // a1: 2 x 10 = 20, b1: 30, others 0 -> scaled 0..30 onto 0..100.
    expect(scores(pod, pods)).toEqual({ a1: 66, a2: 0, b1: 100, nozone: 0 });
  });

  it("counts existing pods' preferences about the incoming pod (symmetry)", () => {
    const fan = makePod("fan", {
      nodeName: "a2",
      affinity: affinity({ preferred: [[50, term({ app: "star" }, HOST)]] }),
    });
    expect(scores(podInfo("star", { labels: { app: "star" } }), [fan])).toEqual({
      a1: 0,
      a2: 100,
      b1: 0,
      nozone: 0,
    });
  });

  it("leaves all scores at 0 when nothing is relevant", () => {
    expect(scores(podInfo("p"), [makePod("x", { nodeName: "a1" })])).toEqual({
      a1: 0,
      a2: 0,
      b1: 0,
      nozone: 0,
    });
  });
});
