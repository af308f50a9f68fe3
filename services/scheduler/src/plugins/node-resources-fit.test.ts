import { describe, expect, it } from "vitest";
import { makeNode, makePod, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { NodeResourcesFit, TOO_MANY_PODS_REASON } from "./node-resources-fit.js";

const container = (name: string, requests: Record<string, string>) => ({
  name,
  image: "busybox",
  command: [],
  args: [],
  workingDir: "",
  ports: [],
  env: [],
  imagePullPolicy: "",
  stdin: false,
  tty: false,
  resources: {
    requests: Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, { string: v }])),
    limits: {},
  },
});

describe("NodeResourcesFit", () => {
  const plugin = new NodeResourcesFit();
  const node = makeNode("a", { cpu: "2", memory: "4Gi", pods: "3" });

  it("fits requests into allocatable minus what the node's pods request", () => {
    const info = nodeInfo(node, [makePod("x", { cpu: "1500m", memory: "1Gi" })]);
    expect(
      plugin.filter(newState(), podInfo("p", { cpu: "500m", memory: "3Gi" }), info),
    ).toBeUndefined();
    expect(plugin.filter(newState(), podInfo("p", { cpu: "501m" }), info)).toEqual({
      code: "Unschedulable",
      reasons: ["Insufficient cpu"],
    });
    expect(
      plugin.filter(newState(), podInfo("p", { cpu: "1", memory: "3073Mi" }), info)?.reasons,
    ).toEqual(["Insufficient cpu", "Insufficient memory"]);
  });

  it("stays exact for amounts beyond float precision (milli-bytes of a huge node)", () => {
    // 16Pi in milli-bytes is far above 2^53: the check falls back to exact integers.
    const huge = nodeInfo(makeNode("h", { cpu: "2", memory: "16Pi", pods: "3" }), [
      makePod("x", { memory: "1" }),
    ]);
    expect(plugin.filter(newState(), podInfo("p", { memory: "16Pi" }), huge)?.reasons).toEqual([
      "Insufficient memory",
    ]);
    expect(
      plugin.filter(newState(), podInfo("p", { memory: "18014398509481983" }), huge),
    ).toBeUndefined();
  });

  it("counts pods against allocatable pods", () => {
    const full = nodeInfo(node, [makePod("x"), makePod("y"), makePod("z")]);
    expect(plugin.filter(newState(), podInfo("p"), full)?.reasons).toEqual([TOO_MANY_PODS_REASON]);
    const room = nodeInfo(node, [makePod("x"), makePod("y")]);
    expect(plugin.filter(newState(), podInfo("p"), room)).toBeUndefined();
  });

  it("uses the larger of the largest init container and the sum of containers", () => {
    const info = nodeInfo(node);
    const initHeavy = podInfo("p", {
      spec: {
        initContainers: [container("init", { memory: "5Gi" })],
        containers: [container("a", { memory: "1Gi" }), container("b", { memory: "1Gi" })],
      },
    });
    expect(plugin.filter(newState(), initHeavy, info)?.reasons).toEqual(["Insufficient memory"]);
    const sumHeavy = podInfo("q", {
      spec: {
        initContainers: [container("init", { cpu: "1" })],
        containers: [container("a", { cpu: "1" }), container("b", { cpu: "1500m" })],
      },
    });
    expect(plugin.filter(newState(), sumHeavy, info)?.reasons).toEqual(["Insufficient cpu"]);
    const fits = podInfo("r", {
      spec: {
        initContainers: [container("init", { cpu: "2" })],
        containers: [container("a", { cpu: "1" })],
      },
    });
    expect(plugin.filter(newState(), fits, info)).toBeUndefined();
  });

  it("checks other requested resources against allocatable, absent meaning none", () => {
    const gpuNode = nodeInfo(makeNode("g", { extra: { "example.com/gpu": "2" } }));
    const wantsGpu = (n: string) =>
      podInfo("p", { spec: { containers: [container("c", { "example.com/gpu": n })] } });
    expect(plugin.filter(newState(), wantsGpu("2"), gpuNode)).toBeUndefined();
    expect(plugin.filter(newState(), wantsGpu("3"), gpuNode)?.reasons).toEqual([
      "Insufficient example.com/gpu",
    ]);
    expect(plugin.filter(newState(), wantsGpu("1"), nodeInfo(node))?.reasons).toEqual([
      "Insufficient example.com/gpu",
    ]);
  });

  it("ignores resources the pod does not request", () => {
    const info = nodeInfo(makeNode("a", { cpu: "0", memory: "0" }));
    expect(plugin.filter(newState(), podInfo("p"), info)).toBeUndefined();
  });
});
