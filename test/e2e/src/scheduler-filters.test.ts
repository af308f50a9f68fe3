// The scheduler's filters against a real apiserver and a real scheduler process: every
// filter places pods where they fit and explains, in kube-scheduler's words, why a pod fits
// nowhere; an unschedulable pod is scheduled as soon as room appears (a node is added, a
// pod goes). Each scenario brings its own nodes and removes them after.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, waitFor } from "@k8ts/sdk";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import { createNamespace } from "./api-objects.js";
import {
  boundNode,
  createNodes,
  deleteAllNodes,
  deleteAllPods,
  podEvents,
  schedNode,
  schedPod,
  unschedulableMessage,
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
  const code = await scheduler.stop();
  client.close();
  await scheduler.dispose();
  await api.dispose();
  expect(code).toBe(0);
});

afterEach(async () => {
  await deleteAllPods(client);
  await deleteAllNodes(client);
});

const pods = () => client.kind("Pod");

describe("scheduler filters", () => {
  it("uses Ready, schedulable nodes only (NodeReady, NodeUnschedulable)", async () => {
    const ns = "filter-ready";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("ready-ok"),
        schedNode("ready-not", { ready: "False" }),
        schedNode("ready-cordoned", { unschedulable: true }),
      ]),
    );
    for (let i = 0; i < 3; i++) await pods().create(schedPod(ns, `web-${i}`));
    for (let i = 0; i < 3; i++) expect(await boundNode(client, ns, `web-${i}`)).toBe("ready-ok");

    await pods().create(
      schedPod(ns, "pinned", {
        spec: { nodeSelector: { "kubernetes.io/hostname": "ready-cordoned" } },
      }),
    );
    await unschedulableMessage(
      client,
      ns,
      "pinned",
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were not ready, 1 node(s) were unschedulable.",
    );

    // Tolerating the cordon and not-ready taints lets a pod through (as DaemonSet pods).
    await pods().create(
      schedPod(ns, "daemon", {
        spec: {
          nodeSelector: { "kubernetes.io/hostname": "ready-cordoned" },
          tolerations: [
            { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
          ],
        },
      }),
    );
    expect(await boundNode(client, ns, "daemon")).toBe("ready-cordoned");
    await pods().create(
      schedPod(ns, "daemon-2", {
        spec: {
          nodeSelector: { "kubernetes.io/hostname": "ready-not" },
          tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists" }],
        },
      }),
    );
    expect(await boundNode(client, ns, "daemon-2")).toBe("ready-not");
  });

  it("fits cpu, memory and pod count against allocatable minus requests (NodeResourcesFit)", async () => {
    const ns = "filter-resources";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("res-small", { cpu: "1", memory: "1Gi", pods: "2" }),
        schedNode("res-big", { cpu: "8", memory: "16Gi", pods: "10" }),
      ]),
    );
    await pods().create(schedPod(ns, "two-cpu", { cpu: "2" }));
    expect(await boundNode(client, ns, "two-cpu")).toBe("res-big");

    // Init containers run one at a time before the containers: the pod needs the larger
    // of the largest init container (4Gi) and the sum of its containers (2 x 100Mi).
    await pods().create(
      schedPod(ns, "init-heavy", {
        spec: {
          initContainers: [
            {
              name: "migrate",
              image: "busybox",
              resources: { requests: { memory: { string: "4Gi" } } },
            },
          ],
          containers: [
            {
              name: "a",
              image: "busybox",
              resources: { requests: { memory: { string: "100Mi" } } },
            },
            {
              name: "b",
              image: "busybox",
              resources: { requests: { memory: { string: "100Mi" } } },
            },
          ],
        },
      }),
    );
    expect(await boundNode(client, ns, "init-heavy")).toBe("res-big");

    await pods().create(schedPod(ns, "huge", { cpu: "100", memory: "100Gi" }));
    await unschedulableMessage(
      client,
      ns,
      "huge",
      "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory.",
    );

    // Pods bound by someone else (created with spec.nodeName) count too.
    for (const name of ["taken-1", "taken-2"])
      await pods().create(schedPod(ns, name, { spec: { nodeName: "res-small" } }));
    await pods().create(
      schedPod(ns, "third", { spec: { nodeSelector: { "kubernetes.io/hostname": "res-small" } } }),
    );
    await unschedulableMessage(
      client,
      ns,
      "third",
      "0/2 nodes are available: 1 Too many pods, 1 node(s) didn't match Pod's node affinity/selector.",
    );
    // Room appears when a pod goes: the waiting pod is scheduled.
    await pods().delete("taken-1", { namespace: ns, options: { gracePeriodSeconds: 0 } });
    expect(await boundNode(client, ns, "third")).toBe("res-small");

    // What is left on res-big: 8 - 2 cpu. A 7-cpu pod waits until the 2-cpu pod goes.
    await pods().create(schedPod(ns, "seven", { cpu: "7" }));
    // res-small is also full (2 of 2 pods): one plugin reports every shortage of a node.
    await unschedulableMessage(
      client,
      ns,
      "seven",
      "0/2 nodes are available: 1 Too many pods, 2 Insufficient cpu.",
    );
    // A pod that has finished (Succeeded) holds nothing any more: room appears.
    const done = await pods().get("two-cpu", { namespace: ns });
    await pods().updateStatus({
      ...done,
      status: done.status && { ...done.status, phase: "Succeeded" },
    });
    expect(await boundNode(client, ns, "seven")).toBe("res-big");
  });

  it("matches nodeSelector and required node affinity (NodeAffinity)", async () => {
    const ns = "filter-affinity";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("aff-a", { labels: { disk: "ssd", gen: "3" } }),
        schedNode("aff-b", { labels: { disk: "hdd", gen: "5" } }),
        schedNode("aff-c", { labels: { gpu: "true" } }),
      ]),
    );
    type Req = { key: string; operator: string; values?: string[] };
    const required = (...terms: { matchExpressions?: Req[]; matchFields?: Req[] }[]) => ({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: terms.map((t) => ({
              matchExpressions: t.matchExpressions ?? [],
              matchFields: t.matchFields ?? [],
            })),
          },
        },
      },
    });
    const cases: [string, object, string][] = [
      ["selector", { nodeSelector: { disk: "ssd" } }, "aff-a"],
      [
        "in",
        required({ matchExpressions: [{ key: "disk", operator: "In", values: ["hdd"] }] }),
        "aff-b",
      ],
      [
        "notin",
        required({
          matchExpressions: [{ key: "disk", operator: "NotIn", values: ["ssd", "hdd"] }],
        }),
        "aff-c",
      ],
      ["exists", required({ matchExpressions: [{ key: "gpu", operator: "Exists" }] }), "aff-c"],
      [
        "doesnotexist",
        required({
          matchExpressions: [
            { key: "gpu", operator: "DoesNotExist" },
            { key: "disk", operator: "NotIn", values: ["hdd"] },
          ],
        }),
        "aff-a",
      ],
      [
        "gt",
        required({ matchExpressions: [{ key: "gen", operator: "Gt", values: ["4"] }] }),
        "aff-b",
      ],
      [
        "lt",
        required({ matchExpressions: [{ key: "gen", operator: "Lt", values: ["4"] }] }),
        "aff-a",
      ],
      [
        "fields",
        required({ matchFields: [{ key: "metadata.name", operator: "In", values: ["aff-c"] }] }),
        "aff-c",
      ],
      [
        "or",
        required(
          { matchExpressions: [{ key: "disk", operator: "In", values: ["nvme"] }] },
          { matchFields: [{ key: "metadata.name", operator: "In", values: ["aff-b"] }] },
        ),
        "aff-b",
      ],
    ];
    for (const [name, spec] of cases) await pods().create(schedPod(ns, name, { spec }));
    for (const [name, , node] of cases) expect(await boundNode(client, ns, name), name).toBe(node);

    await pods().create(
      schedPod(ns, "nowhere", {
        spec: required({ matchExpressions: [{ key: "disk", operator: "In", values: ["tape"] }] }),
      }),
    );
    await unschedulableMessage(
      client,
      ns,
      "nowhere",
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    );
    // A node that matches arrives: the pod goes there.
    await createNodes(client, [schedNode("aff-d", { labels: { disk: "tape" } })]);
    expect(await boundNode(client, ns, "nowhere")).toBe("aff-d");
  });

  it("keeps pods off NoSchedule and NoExecute taints they do not tolerate (TaintToleration)", async () => {
    const ns = "filter-taints";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("taint-gpu", {
          taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
        }),
        schedNode("taint-maint", {
          taints: [{ key: "maint", value: "true", effect: "NoExecute" }],
        }),
      ]),
    );
    await pods().create(schedPod(ns, "plain"));
    await unschedulableMessage(
      client,
      ns,
      "plain",
      "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {maint: true}.",
    );
    await pods().create(
      schedPod(ns, "gpu-job", {
        spec: {
          tolerations: [
            { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" },
          ],
        },
      }),
    );
    expect(await boundNode(client, ns, "gpu-job")).toBe("taint-gpu");
    await pods().create(
      schedPod(ns, "maint-job", {
        spec: { tolerations: [{ key: "maint", operator: "Exists", effect: "NoExecute" }] },
      }),
    );
    expect(await boundNode(client, ns, "maint-job")).toBe("taint-maint");
    // Removing the taint is a node update that lets the waiting pod in.
    const gpu = await client.kind("Node").get("taint-gpu");
    await client.kind("Node").update({ ...gpu, spec: gpu.spec && { ...gpu.spec, taints: [] } });
    expect(await boundNode(client, ns, "plain")).toBe("taint-gpu");
  });

  it("keeps host ports unique per node (NodePorts)", async () => {
    const ns = "filter-ports";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(
      await createNodes(client, [schedNode("port-1"), schedNode("port-2")]),
    );
    const withPort = (name: string, protocol = "TCP") =>
      schedPod(ns, name, {
        spec: {
          containers: [
            {
              name: "main",
              image: "busybox",
              ports: [{ containerPort: 80, hostPort: 8080, protocol }],
            },
          ],
        },
      });
    await pods().create(withPort("p-0"));
    await pods().create(withPort("p-1"));
    const nodes = new Set([await boundNode(client, ns, "p-0"), await boundNode(client, ns, "p-1")]);
    expect(nodes).toEqual(new Set(["port-1", "port-2"]));
    await pods().create(withPort("p-2"));
    await unschedulableMessage(
      client,
      ns,
      "p-2",
      "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.",
    );
    await pods().create(withPort("p-udp", "UDP"));
    await boundNode(client, ns, "p-udp");
    await pods().delete("p-0", { namespace: ns, options: { gracePeriodSeconds: 0 } });
    await boundNode(client, ns, "p-2");
  });

  it("explains a pod that fits nowhere, and schedules it once a big enough node is added", async () => {
    const ns = "filter-message";
    await createNamespace(client, ns);
    const gpuTaint = [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }];
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("msg-1", { memory: "1Gi" }),
        schedNode("msg-2", { memory: "1Gi" }),
        schedNode("msg-3", { memory: "1Gi" }),
        schedNode("msg-gpu-1", { memory: "64Gi", taints: gpuTaint }),
        schedNode("msg-gpu-2", { memory: "64Gi", taints: gpuTaint }),
      ]),
    );
    await pods().create(schedPod(ns, "big", { memory: "2Gi" }));
    // kube-scheduler sorts the "<count> <reason>" strings as strings.
    const message =
      "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient memory.";
    await unschedulableMessage(client, ns, "big", message);
    const failed = await waitFor("a FailedScheduling event", async () =>
      (await podEvents(client, ns, "big")).find((e) => e.reason === "FailedScheduling"),
    );
    expect(failed.type).toBe("Warning");
    expect(failed.message).toBe(message);
    expect(failed.source?.component).toBe("default-scheduler");

    await createNodes(client, [schedNode("msg-big", { memory: "4Gi" })]);
    expect(await boundNode(client, ns, "big")).toBe("msg-big");
    const scheduled = await waitFor("a Scheduled event", async () =>
      (await podEvents(client, ns, "big")).find((e) => e.reason === "Scheduled"),
    );
    expect(scheduled.type).toBe("Normal");
    expect(scheduled.message).toBe(`Successfully assigned ${ns}/big to msg-big`);
    const pod = await pods().get("big", { namespace: ns });
    expect(pod.status?.conditions.find((c) => c.type === "PodScheduled")?.status).toBe("True");
  });

  it("places pods by required pod affinity and anti-affinity (InterPodAffinity)", async () => {
    const ns = "filter-podaffinity";
    await createNamespace(client, ns);
    const zone = (z: string) => ({ "topology.kubernetes.io/zone": z });
    await scheduler.waitForIdle(
      await createNodes(client, [
        schedNode("pa-1", { labels: zone("z1") }),
        schedNode("pa-2", { labels: zone("z1") }),
        schedNode("pa-3", { labels: zone("z2") }),
        schedNode("pa-4", { labels: zone("z2") }),
      ]),
    );
    const term = (app: string, topologyKey: string) => ({
      labelSelector: { matchLabels: { app } },
      topologyKey,
    });

    // The Deployment check, with 5 pods sharing a label in place of a Deployment
    // (the ReplicaSet and Deployment controllers come with issue 7): required
    // anti-affinity on kubernetes.io/hostname over 4 nodes puts 4 pods on 4 distinct
    // nodes and leaves 1 Pending with the reason.
    const antiSpec = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [term("web", "kubernetes.io/hostname")],
        },
      },
    };
    for (let i = 0; i < 5; i++)
      await pods().create(schedPod(ns, `web-${i}`, { labels: { app: "web" }, spec: antiSpec }));
    const placed = new Map<string, string>();
    await waitFor("4 web pods bound", async () => {
      const list = await pods().list({ namespace: ns, labelSelector: "app=web" });
      for (const p of list.items)
        if (p.spec?.nodeName) placed.set(p.metadata?.name ?? "", p.spec.nodeName);
      return placed.size === 4 ? placed : undefined;
    });
    expect(new Set(placed.values()).size).toBe(4);
    const pending = [0, 1, 2, 3, 4].map((i) => `web-${i}`).find((n) => !placed.has(n)) ?? "";
    await unschedulableMessage(
      client,
      ns,
      pending,
      "0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules.",
    );

    // Required affinity: with the pod labelled app=cache (placed in zone z2), pods that
    // want to share its zone or its node go there.
    await pods().create(
      schedPod(ns, "cache", { labels: { app: "cache" }, spec: { nodeName: "pa-3" } }),
    );
    await pods().create(
      schedPod(ns, "near-zone", {
        spec: {
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                term("cache", "topology.kubernetes.io/zone"),
              ],
            },
          },
        },
      }),
    );
    await pods().create(
      schedPod(ns, "same-node", {
        spec: {
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                term("cache", "kubernetes.io/hostname"),
              ],
            },
          },
        },
      }),
    );
    expect(["pa-3", "pa-4"]).toContain(await boundNode(client, ns, "near-zone"));
    expect(await boundNode(client, ns, "same-node")).toBe("pa-3");

    await pods().create(
      schedPod(ns, "lonely", {
        spec: {
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                term("nobody", "kubernetes.io/hostname"),
              ],
            },
          },
        },
      }),
    );
    await unschedulableMessage(
      client,
      ns,
      "lonely",
      "0/4 nodes are available: 4 node(s) didn't match pod affinity rules.",
    );

    // Symmetry: a pod's required anti-affinity keeps matching pods out of its domain.
    await pods().create(
      schedPod(ns, "quiet", {
        spec: {
          nodeName: "pa-1",
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                term("noisy", "kubernetes.io/hostname"),
              ],
            },
          },
        },
      }),
    );
    await pods().create(
      schedPod(ns, "noisy", {
        labels: { app: "noisy" },
        spec: { nodeSelector: { "kubernetes.io/hostname": "pa-1" } },
      }),
    );
    await unschedulableMessage(
      client,
      ns,
      "noisy",
      "0/4 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, 3 node(s) didn't match Pod's node affinity/selector.",
    );
  });

  it("leaves pods of other schedulers alone", async () => {
    const ns = "filter-other-scheduler";
    await createNamespace(client, ns);
    await scheduler.waitForIdle(await createNodes(client, [schedNode("other-1")]));
    await pods().create(schedPod(ns, "theirs", { spec: { schedulerName: "my-scheduler" } }));
    await pods().create(schedPod(ns, "ours"));
    expect(await boundNode(client, ns, "ours")).toBe("other-1");
    const theirs = await pods().get("theirs", { namespace: ns });
    expect(theirs.spec?.nodeName).toBe("");
    expect(theirs.status?.conditions.find((c) => c.type === "PodScheduled")).toBeUndefined();
  });
});
