// The ReplicaSet controller against a real apiserver, scheduler and controller-manager
// (ControlPlane; the test kubelet runs the pods): it keeps spec.replicas pods, reports
// them in status, adopts orphans, releases pods that stop matching, and never has more
// than spec.replicas pods even when the controller-manager is killed mid-creation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@k8ts/sdk";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { createNamespace } from "./api-objects.js";
import { ControlPlane } from "./control-plane.js";

let cp: ControlPlane;

beforeAll(async () => {
  // Only this controller: the test sees its behaviour alone.
  cp = await ControlPlane.start({ controllerManagerArgs: ["--controllers", "replicaset"] });
}, 60_000);

afterAll(async () => {
  await cp.dispose();
});

const replicaSets = () => cp.client.kind("ReplicaSet");
const pods = () => cp.client.kind("Pod");

function replicaSet(
  namespace: string,
  name: string,
  replicas: number,
  minReadySeconds = 0,
): ReplicaSet {
  return ReplicaSet.fromPartial({
    metadata: { namespace, name },
    spec: {
      replicas,
      minReadySeconds,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
      },
    },
  });
}

/** Pods of `namespace` that are not terminating. */
async function activePods(namespace: string): Promise<Pod[]> {
  const list = await pods().list({ namespace });
  return list.items.filter(
    (p) =>
      p.metadata?.deletionTimestamp === undefined &&
      p.status?.phase !== "Succeeded" &&
      p.status?.phase !== "Failed",
  );
}

/** Active pods whose controller is the ReplicaSet with `uid`. */
async function controlledPods(namespace: string, uid: string): Promise<Pod[]> {
  return (await activePods(namespace)).filter((p) =>
    p.metadata?.ownerReferences.some((r) => r.controller === true && r.uid === uid),
  );
}

/** Waits until the ReplicaSet's status reports `n` replicas, all ready and available, for its generation. */
async function waitForReplicas(namespace: string, name: string, n: number): Promise<ReplicaSet> {
  return waitFor(
    `${namespace}/${name} to report ${n} ready and available replicas`,
    async () => {
      const rs = await replicaSets().get(name, { namespace });
      const s = rs.status;
      const ok =
        s !== undefined &&
        s.observedGeneration === rs.metadata?.generation &&
        s.replicas === n &&
        s.fullyLabeledReplicas === n &&
        s.readyReplicas === n &&
        s.availableReplicas === n;
      if (!ok) throw new Error(JSON.stringify(s));
      const owned = await controlledPods(namespace, rs.metadata?.uid ?? "");
      if (owned.length !== n) throw new Error(`${owned.length} controlled pods`);
      return rs;
    },
    30_000,
  );
}

async function scale(namespace: string, name: string, replicas: number): Promise<void> {
  await replicaSets().patch(name, { spec: { replicas } }, { namespace });
}

describe("replicaset controller", () => {
  it("creates the replicas, reports them, replaces deleted pods and scales", async () => {
    const ns = "rs-basic";
    await createNamespace(cp.client, ns);
    const rs = await replicaSets().create(replicaSet(ns, "web", 5));
    const uid = rs.metadata?.uid ?? "";
    await waitForReplicas(ns, "web", 5);

    const created = await controlledPods(ns, uid);
    for (const p of created) {
      expect(p.metadata?.name.startsWith("web-")).toBe(true);
      expect(p.metadata?.labels).toEqual({ app: "web" });
      expect(p.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web",
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }

    // Two pods deleted: two replacements, never a third.
    const victims = created.slice(0, 2).map((p) => p.metadata?.name ?? "");
    for (const name of victims) await pods().delete(name, { namespace: ns });
    await waitFor("the deleted pods to be replaced", async () => {
      const now = await controlledPods(ns, uid);
      const names = now.map((p) => p.metadata?.name ?? "");
      return now.length === 5 && victims.every((v) => !names.includes(v)) ? now : undefined;
    });
    await waitForReplicas(ns, "web", 5);

    await scale(ns, "web", 8);
    await waitForReplicas(ns, "web", 8);
    await scale(ns, "web", 2);
    await waitForReplicas(ns, "web", 2);
  });

  it("reports availability only after minReadySeconds", async () => {
    const ns = "rs-min-ready";
    await createNamespace(cp.client, ns);
    await replicaSets().create(replicaSet(ns, "slow", 2, 2));
    const ready = await waitFor("2 ready replicas", async () => {
      const s = (await replicaSets().get("slow", { namespace: ns })).status;
      return s?.readyReplicas === 2 ? s : undefined;
    });
    // Pods became Ready moments ago: not yet available for 2 seconds.
    expect(ready.availableReplicas).toBeLessThan(2);
    // No pod event comes after the pods are Ready: only the controller's re-check can
    // report them available.
    await waitForReplicas(ns, "slow", 2);
  });

  it("adopts a matching orphan and counts it", async () => {
    const ns = "rs-adopt";
    await createNamespace(cp.client, ns);
    const orphan = await pods().create(
      Pod.fromPartial({
        metadata: { namespace: ns, name: "orphan", labels: { app: "adopter" } },
        spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
      }),
    );
    await waitFor("the orphan to run", async () => {
      const p = await pods().get("orphan", { namespace: ns });
      return p.status?.phase === "Running" ? p : undefined;
    });
    const rs = await replicaSets().create(replicaSet(ns, "adopter", 3));
    const uid = rs.metadata?.uid ?? "";
    await waitForReplicas(ns, "adopter", 3);
    const adopted = await pods().get("orphan", { namespace: ns });
    expect(adopted.metadata?.uid).toBe(orphan.metadata?.uid);
    expect(adopted.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: "ReplicaSet", name: "adopter", uid, controller: true }),
    ]);
    // The orphan is one of the three: only two pods were created.
    expect((await activePods(ns)).length).toBe(3);
  });

  it("releases a pod whose labels stop matching and replaces it", async () => {
    const ns = "rs-release";
    await createNamespace(cp.client, ns);
    const rs = await replicaSets().create(replicaSet(ns, "keeper", 3));
    const uid = rs.metadata?.uid ?? "";
    await waitForReplicas(ns, "keeper", 3);
    const [leaver] = await controlledPods(ns, uid);
    const name = leaver?.metadata?.name ?? "";
    await pods().patch(name, { metadata: { labels: { app: "elsewhere" } } }, { namespace: ns });

    await waitFor("the pod to be released", async () => {
      const p = await pods().get(name, { namespace: ns });
      return p.metadata?.ownerReferences.length === 0 ? p : undefined;
    });
    await waitForReplicas(ns, "keeper", 3);
    const owned = await controlledPods(ns, uid);
    expect(owned.map((p) => p.metadata?.name)).not.toContain(name);
    // The released pod lives on, on its own.
    expect((await activePods(ns)).length).toBe(4);
  });

  it("never exceeds the replicas when the controller-manager is killed while creating", async () => {
    const ns = "rs-kill";
    await createNamespace(cp.client, ns);
    let max = 0;
    let sampling = true;
    const samples: number[] = [];
    const sampler = (async () => {
      while (sampling) {
        const n = (await activePods(ns)).length;
        samples.push(n);
        max = Math.max(max, n);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      await replicaSets().create(replicaSet(ns, "many", 20));
      // Kill as soon as creation has started, while batches are in flight.
      await waitFor(
        "the first pods",
        async () => ((await activePods(ns)).length > 0 ? true : undefined),
        10_000,
        5,
      );
      await cp.restartControllerManager(true);
      await waitForReplicas(ns, "many", 20);
      // Settled: nothing more comes.
      await cp.restartControllerManager(false);
      await waitForReplicas(ns, "many", 20);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(samples.length).toBeGreaterThan(10);
    expect(max).toBe(20);
    expect((await activePods(ns)).length).toBe(20);
  }, 90_000);
});
