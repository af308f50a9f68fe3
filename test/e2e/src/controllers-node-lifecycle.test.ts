// Node lifecycle, taint-based eviction and pod GC against a real apiserver, scheduler and
// controller-manager (ControlPlane with a 2 s node grace period and 2 s default
// toleration; the test kubelet runs node-1..3): a node that stops renewing its Lease
// becomes Ready=Unknown and unreachable-tainted, its pods are marked not ready and evicted
// (except those that tolerate it), the ReplicaSet replaces them on the other nodes, and
// pod GC removes the old pods the dead node never finishes; a node that comes back loses
// the taints. A kubelet that reports Ready=False gets the not-ready taints. A pod bound to
// a node that does not exist is removed. When every node goes silent at once (full
// disruption) nothing is evicted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as grpcStatus } from "@grpc/grpc-js";
import { ApiStatusError, waitFor } from "@k8ts/sdk";
import { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import type { Toleration } from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import { createNamespace } from "./api-objects.js";
import { ControlPlane } from "./control-plane.js";

const UNREACHABLE = "node.kubernetes.io/unreachable";
const NOT_READY = "node.kubernetes.io/not-ready";
const NODES = ["node-1", "node-2", "node-3"];

let cp: ControlPlane;

beforeAll(async () => {
  cp = await ControlPlane.start({
    nodes: NODES,
    controllerManagerArgs: [
      "--controllers",
      "replicaset,nodelifecycle,podgc",
      "--node-monitor-grace-period",
      "2s",
      "--default-unreachable-toleration-seconds",
      "2",
    ],
  });
}, 60_000);

afterAll(async () => {
  await cp.dispose();
});

const pods = () => cp.client.kind("Pod");
const nodes = () => cp.client.kind("Node");

// A short grace period: pod GC force-deletes evicted pods of a dead node once it is over.
const GRACE = 1;

function replicaSet(namespace: string, name: string, replicas: number): ReplicaSet {
  return ReplicaSet.fromPartial({
    metadata: { namespace, name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: GRACE,
          containers: [{ name: "main", image: "busybox:1.36" }],
        },
      },
    },
  });
}

/** A bare pod bound to `node` (bypassing the scheduler). */
function pinnedPod(
  namespace: string,
  name: string,
  node: string,
  tolerations: Partial<Toleration>[] = [],
): Pod {
  return Pod.fromPartial({
    metadata: { namespace, name },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: GRACE,
      tolerations,
      containers: [{ name: "main", image: "busybox:1.36" }],
    },
  });
}

const isReady = (p: Pod): boolean =>
  p.status?.conditions.some((c) => c.type === "Ready" && c.status === "True") ?? false;

async function getPod(namespace: string, name: string): Promise<Pod | undefined> {
  try {
    return await pods().get(name, { namespace });
  } catch (e) {
    if (e instanceof ApiStatusError && e.code === grpcStatus.NOT_FOUND) return undefined;
    throw e;
  }
}

/** Waits until the ReplicaSet's `n` pods all run Ready; returns them. */
async function readyReplicas(namespace: string, app: string, n: number): Promise<Pod[]> {
  return waitFor(
    `${n} ready pods of ${namespace}/${app}`,
    async () => {
      const list = await pods().list({ namespace, labelSelector: `app=${app}` });
      const live = list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
      if (live.length !== n || !live.every(isReady))
        throw new Error(
          JSON.stringify(live.map((p) => [p.metadata?.name, p.spec?.nodeName, isReady(p)])),
        );
      return live;
    },
    30_000,
  );
}

async function runningPod(namespace: string, name: string): Promise<Pod> {
  return waitFor(`${namespace}/${name} to run`, async () => {
    const p = await getPod(namespace, name);
    return p !== undefined && p.status?.phase === "Running" && isReady(p) ? p : undefined;
  });
}

const readyCondition = (n: Node) => n.status?.conditions.find((c) => c.type === "Ready");
const taintsOf = (n: Node) => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

/**
 * Waits for the node to be Ready=True and free of the controller's taints. A revived test
 * kubelet posts Ready=True itself; where a test set Ready=False by hand, this reports
 * Ready=True as the kubelet's status sync would.
 */
async function waitForReadyAgain(name: string): Promise<Node> {
  return waitFor(
    `${name} Ready=True without unreachable/not-ready taints`,
    async () => {
      const node = await nodes().get(name);
      const ready = readyCondition(node);
      if (ready?.status !== "True") {
        const conditions = node.status?.conditions.map((c) =>
          c.type === "Ready"
            ? { ...c, status: "True", reason: "KubeletReady", lastTransitionTime: new Date() }
            : c,
        );
        await nodes()
          .updateStatus(Node.fromPartial({ ...node, status: { ...node.status, conditions } }))
          .catch((e: unknown) => {
            if (!(e instanceof ApiStatusError && e.code === grpcStatus.ABORTED)) throw e;
          });
        throw new Error("Ready was not True; reported it");
      }
      const ours = taintsOf(node).filter(
        (t) => t.startsWith(UNREACHABLE) || t.startsWith(NOT_READY),
      );
      if (ours.length > 0) throw new Error(`taints ${ours.join(", ")}`);
      return node;
    },
    20_000,
  );
}

async function nodeLifecycleStatus(): Promise<Readonly<Record<string, number>>> {
  return (await cp.controllerManager.status()).controllers.nodelifecycle ?? {};
}

describe("node lifecycle", () => {
  it("marks a silent node unreachable, evicts and replaces its pods, and clears it when it is back", async () => {
    const ns = "nl-dead";
    const victim = "node-2";
    await createNamespace(cp.client, ns);
    await cp.client.kind("ReplicaSet").create(replicaSet(ns, "web", 6));
    const before = await readyReplicas(ns, "web", 6);
    const onVictim = before.filter((p) => p.spec?.nodeName === victim);
    // The scheduler spreads a ReplicaSet's pods over the nodes.
    expect(onVictim.length).toBeGreaterThan(0);
    await pods().create(
      pinnedPod(ns, "tolerant", victim, [
        { key: UNREACHABLE, operator: "Exists", effect: "NoExecute" },
      ]),
    );
    await pods().create(pinnedPod(ns, "bare", victim));
    await runningPod(ns, "tolerant");
    await runningPod(ns, "bare");

    cp.kubelet.kill(victim);
    const dead = await waitFor(`${victim} Ready=Unknown with the unreachable taints`, async () => {
      const n = await nodes().get(victim);
      const ready = readyCondition(n);
      return ready?.status === "Unknown" &&
        taintsOf(n).includes(`${UNREACHABLE}:NoExecute`) &&
        taintsOf(n).includes(`${UNREACHABLE}:NoSchedule`)
        ? n
        : undefined;
    });
    expect(readyCondition(dead)).toEqual(
      expect.objectContaining({
        reason: "NodeStatusUnknown",
        message: "Kubelet stopped posting node status.",
      }),
    );
    expect(dead.spec?.taints.find((t) => t.effect === "NoExecute")?.timeAdded).toBeDefined();

    // The pod that tolerates the taint forever stays, marked not ready (Endpoints drop it).
    await waitFor("the tolerant pod to be marked not ready", async () => {
      const p = await getPod(ns, "tolerant");
      return p !== undefined && !isReady(p) ? p : undefined;
    });

    // The others are evicted after the default 2 s toleration (the bare one too); the dead
    // node never finishes them, so pod GC force-deletes them after their grace period.
    await waitFor(
      "the evicted pods of the dead node to be gone",
      async () => {
        const left: string[] = [];
        for (const p of [...onVictim, { metadata: { name: "bare" } }]) {
          const now = await getPod(ns, p.metadata?.name ?? "");
          if (now !== undefined) left.push(p.metadata?.name ?? "");
        }
        if (left.length > 0) throw new Error(`still there: ${left.join(", ")}`);
        return true;
      },
      30_000,
    );
    const after = await readyReplicas(ns, "web", 6);
    expect(after.filter((p) => p.spec?.nodeName === victim)).toEqual([]);
    const tolerant = await getPod(ns, "tolerant");
    expect(tolerant?.metadata?.deletionTimestamp).toBeUndefined();

    const events = (await cp.client.kind("Event").list({ namespace: ns })).items;
    expect(events.map((e) => e.reason)).toContain("TaintManagerEviction");
    expect(events.map((e) => e.reason)).toContain("NodeNotReady");

    await cp.kubelet.revive(victim);
    const back = await waitForReadyAgain(victim);
    expect(readyCondition(back)?.status).toBe("True");
    await runningPod(ns, "tolerant"); // the kubelet reports it ready again
    expect((await nodeLifecycleStatus()).fullDisruption).toBe(0);
  });

  it("taints a node whose kubelet reports Ready=False as not-ready, until it is Ready again", async () => {
    const name = "flaky-node";
    await nodes().create(
      Node.fromPartial({
        metadata: { name },
        status: {
          conditions: [{ type: "Ready", status: "False", reason: "KubeletNotReady" }],
        },
      }),
    );
    try {
      await waitFor(`${name} tainted not-ready`, async () => {
        const t = taintsOf(await nodes().get(name));
        return t.includes(`${NOT_READY}:NoExecute`) && t.includes(`${NOT_READY}:NoSchedule`)
          ? t
          : undefined;
      });
      await waitForReadyAgain(name);
    } finally {
      await nodes().delete(name);
    }
  });

  it("removes a pod bound to a node that does not exist (pod GC)", async () => {
    const ns = "nl-orphan";
    await createNamespace(cp.client, ns);
    await pods().create(pinnedPod(ns, "orphan", "ghost-node"));
    await waitFor("the orphaned pod to be removed", async () =>
      (await getPod(ns, "orphan")) === undefined ? true : undefined,
    );
  });

  it("evicts nothing when every node goes silent at once (full disruption)", async () => {
    const ns = "nl-disruption";
    await createNamespace(cp.client, ns);
    await cp.client.kind("ReplicaSet").create(replicaSet(ns, "calm", 3));
    const before = await readyReplicas(ns, "calm", 3);
    for (const n of NODES) cp.kubelet.kill(n);
    try {
      await waitFor("full disruption", async () =>
        (await nodeLifecycleStatus()).fullDisruption === 1 ? true : undefined,
      );
      // Every node Unknown for longer than the pods' 2 s toleration, with the NoSchedule
      // taint only.
      await waitFor(
        "every node Unknown for 3 s without a NoExecute taint",
        async () => {
          for (const name of NODES) {
            const n = await nodes().get(name);
            const ready = readyCondition(n);
            if (ready?.status !== "Unknown") throw new Error(`${name} is ${ready?.status}`);
            if (n.spec?.taints.some((t) => t.effect === "NoExecute"))
              throw new Error(`${name} has ${taintsOf(n).join(", ")}`);
            const since = ready.lastTransitionTime?.getTime() ?? Date.now();
            if (Date.now() - since < 3_000) throw new Error(`${name} Unknown only just now`);
          }
          return true;
        },
        30_000,
      );
      expect((await nodeLifecycleStatus()).fullDisruption).toBe(1);
      for (const p of before) {
        const now = await getPod(ns, p.metadata?.name ?? "");
        expect(now?.metadata?.uid).toBe(p.metadata?.uid);
        expect(now?.metadata?.deletionTimestamp).toBeUndefined();
      }
    } finally {
      for (const n of NODES) await cp.kubelet.revive(n);
    }
    for (const n of NODES) await waitForReadyAgain(n);
    await waitFor("full disruption to end", async () =>
      (await nodeLifecycleStatus()).fullDisruption === 0 ? true : undefined,
    );
    const after = await readyReplicas(ns, "calm", 3);
    expect(after.map((p) => p.metadata?.uid).sort()).toEqual(
      before.map((p) => p.metadata?.uid).sort(),
    );
  });
});
