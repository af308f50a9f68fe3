// The scheduler's scores against a real apiserver and a real scheduler process: among
// nodes that all fit, each score decides where the pod goes when the others tie. Each
// scenario brings its own nodes and removes them after.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient } from "@k8ts/sdk";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import { createNamespace } from "./api-objects.js";
import {
  boundNode,
  createNodes,
  deleteAllNodes,
  deleteAllPods,
  schedNode,
  schedPod,
} from "./scheduling-objects.js";

let api: ApiServerProcess;
let scheduler: SchedulerProcess;
let client: ApiClient;

beforeAll(async () => {
  api = await ApiServerProcess.start();
  client = new ApiClient({ server: api.address });
  scheduler = await SchedulerProcess.start({ server: api.address });
});

afterAll(async () => {
  client.close();
  await scheduler.dispose();
  await api.dispose();
});

afterEach(async () => {
  await deleteAllPods(client);
  await deleteAllNodes(client);
});

const pods = () => client.kind("Pod");
/** Nodes so large that a few small pods do not move the resource scores. */
const HUGE = { cpu: "1000", memory: "1000Gi", pods: "1000" };

describe("scheduler scores", () => {
  it("prefers the least allocated node (NodeResourcesLeastAllocated)", async () => {
    const ns = "score-least";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(await createNodes(client, [schedNode("la-1"), schedNode("la-2")]));
    await pods().create(
      schedPod(ns, "busy", { cpu: "2", memory: "4Gi", spec: { nodeName: "la-1" } }),
    );
    for (let i = 0; i < 3; i++) {
      await pods().create(schedPod(ns, `new-${i}`, { cpu: "100m", memory: "100Mi" }));
      expect(await boundNode(client, ns, `new-${i}`)).toBe("la-2");
    }
  });

  it("prefers the node whose cpu and memory stay balanced (NodeResourcesBalancedAllocation)", async () => {
    const ns = "score-balanced";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("ba-skewed", { cpu: "4", memory: "4Gi" }),
        schedNode("ba-even", { cpu: "4", memory: "4Gi" }),
      ]),
    );
    // Least-allocated ties (72 on both after the new pod); balance does not:
    // skewed: cpu 52.5% vs memory 2.5% used; even: 27.5% vs 27.4%.
    await pods().create(
      schedPod(ns, "cpu-hog", { cpu: "2", memory: "1Mi", spec: { nodeName: "ba-skewed" } }),
    );
    await pods().create(
      schedPod(ns, "even", { cpu: "1", memory: "1Gi", spec: { nodeName: "ba-even" } }),
    );
    await pods().create(schedPod(ns, "new", { cpu: "100m", memory: "100Mi" }));
    expect(await boundNode(client, ns, "new")).toBe("ba-even");
  });

  it("avoids PreferNoSchedule taints the pod does not tolerate (TaintToleration)", async () => {
    const ns = "score-taints";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("tt-soft", {
          taints: [{ key: "soft", value: "yes", effect: "PreferNoSchedule" }],
        }),
        schedNode("tt-plain"),
      ]),
    );
    for (let i = 0; i < 3; i++) {
      await pods().create(schedPod(ns, `p-${i}`, { cpu: "100m", memory: "100Mi" }));
      expect(await boundNode(client, ns, `p-${i}`)).toBe("tt-plain");
    }
    // Still only a preference: a pod that fits only there goes there.
    await pods().create(
      schedPod(ns, "pinned", { spec: { nodeSelector: { "kubernetes.io/hostname": "tt-soft" } } }),
    );
    expect(await boundNode(client, ns, "pinned")).toBe("tt-soft");
  });

  it("follows preferred node affinity (NodeAffinity)", async () => {
    const ns = "score-nodeaffinity";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("na-hdd", { labels: { disk: "hdd" } }),
        schedNode("na-ssd", { labels: { disk: "ssd" } }),
      ]),
    );
    for (let i = 0; i < 3; i++) {
      await pods().create(
        schedPod(ns, `p-${i}`, {
          spec: {
            affinity: {
              nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 50,
                    preference: {
                      matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }],
                    },
                  },
                ],
              },
            },
          },
        }),
      );
      expect(await boundNode(client, ns, `p-${i}`)).toBe("na-ssd");
    }
  });

  it("follows preferred pod affinity and anti-affinity (InterPodAffinity)", async () => {
    const ns = "score-podaffinity";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(await createNodes(client, [schedNode("pp-1"), schedNode("pp-2")]));
    await pods().create(
      schedPod(ns, "cache", { labels: { app: "cache" }, spec: { nodeName: "pp-2" } }),
    );
    const preferred = (kind: "podAffinity" | "podAntiAffinity") => ({
      affinity: {
        [kind]: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                labelSelector: { matchLabels: { app: "cache" } },
                topologyKey: "kubernetes.io/hostname",
              },
            },
          ],
        },
      },
    });
    await pods().create(schedPod(ns, "near", { spec: preferred("podAffinity") }));
    expect(await boundNode(client, ns, "near")).toBe("pp-2");
    await pods().create(schedPod(ns, "far", { spec: preferred("podAntiAffinity") }));
    expect(await boundNode(client, ns, "far")).toBe("pp-1");
  });

  it("spreads the pods of one owner across nodes and zones (OwnerSpread)", async () => {
    const ns = "score-spread";
    await createNamespace(client, ns);
    const zone = (z: string) => ({ ...HUGE, labels: { "topology.kubernetes.io/zone": z } });
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("os-a1", zone("a")),
        schedNode("os-a2", zone("a")),
        schedNode("os-b1", zone("b")),
      ]),
    );
    // 4 replicas over zones a (2 nodes) and b (1 node): every node gets one, and the
    // fourth goes to zone b, which balances the zones 2:2.
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      await pods().create(schedPod(ns, `r-${i}`, { ownerUid: "owner-1", labels: { app: "r" } }));
      placed.push(await boundNode(client, ns, `r-${i}`));
    }
    expect(new Set(placed.slice(0, 3))).toEqual(new Set(["os-a1", "os-a2", "os-b1"]));
    expect(placed[3]).toBe("os-b1");

    // Pods of another owner spread on their own: three replicas land on three nodes.
    const other: string[] = [];
    for (let i = 0; i < 3; i++) {
      await pods().create(schedPod(ns, `s-${i}`, { ownerUid: "owner-2" }));
      other.push(await boundNode(client, ns, `s-${i}`));
    }
    expect(new Set(other).size).toBe(3);
  });
});
