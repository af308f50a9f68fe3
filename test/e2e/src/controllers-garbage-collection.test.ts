// The garbage collector and the namespace controller against a real apiserver, scheduler
// and controller-manager (ControlPlane; the test kubelet runs pods and finishes their
// graceful deletion). Owner/dependent chains are built by hand where no controller makes
// them: ReplicaSets with `replicas: 0` own Pods that their selectors do not match, through
// owner references that are not controller references (so the ReplicaSet controller leaves
// them alone). A Pod holding the finalizer HOLD stays terminating until the test lets it go,
// which makes "the owner is still there while a blocking dependent exists" observable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiStatusError, type ApiObjectLike, type KindName, waitFor } from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { createNamespace } from "./api-objects.js";
import { ControlPlane } from "./control-plane.js";

const HOLD = "e2e.k8ts.io/hold";
const DEADLINE = 30_000;

let cp: ControlPlane;

beforeAll(async () => {
  cp = await ControlPlane.start({
    controllerManagerArgs: [
      "--controllers",
      "garbagecollector,namespace,replicaset,deployment,endpoint",
    ],
  });
}, 60_000);

afterAll(async () => {
  await cp?.dispose();
});

const replicaSets = () => cp.client.kind("ReplicaSet");
const pods = () => cp.client.kind("Pod");

/** A ReplicaSet that runs nothing: an owner whose dependents the test makes. */
async function owner(namespace: string, name: string, owners: Owner[] = []): Promise<ReplicaSet> {
  return replicaSets().create(
    ReplicaSet.fromPartial({
      metadata: { namespace, name, ownerReferences: owners.map(reference) },
      spec: {
        replicas: 0,
        selector: { matchLabels: { owner: name } },
        template: {
          metadata: { labels: { owner: name } },
          spec: { containers: [{ name: "main", image: "busybox" }] },
        },
      },
    }),
  );
}

interface Owner {
  readonly rs: ReplicaSet;
  readonly block?: boolean;
}

function reference(o: Owner) {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name: o.rs.metadata?.name ?? "",
    uid: o.rs.metadata?.uid ?? "",
    blockOwnerDeletion: o.block,
  };
}

/** A Pod owned by `owners` (not as their controller, and not matching their selectors). */
async function dependent(
  namespace: string,
  name: string,
  owners: Owner[],
  finalizers: string[] = [],
): Promise<Pod> {
  return pods().create(
    Pod.fromPartial({
      metadata: {
        namespace,
        name,
        labels: { role: "dependent" },
        finalizers,
        ownerReferences: owners.map(reference),
      },
      spec: { containers: [{ name: "main", image: "busybox" }] },
    }),
  );
}

/** The object now, or undefined when it does not exist. */
async function find(
  kind: KindName,
  namespace: string,
  name: string,
): Promise<ApiObjectLike | undefined> {
  try {
    return await cp.client.kind(kind).get(name, { namespace });
  } catch (e) {
    if (e instanceof ApiStatusError && e.isNotFound) return undefined;
    throw e;
  }
}

async function waitGone(kind: KindName, namespace: string, name: string): Promise<void> {
  await waitFor(
    `${kind} ${namespace}/${name} to be gone`,
    async () => {
      const o = await find(kind, namespace, name);
      if (o !== undefined)
        throw new Error(
          `still there: deletionTimestamp=${String(o.metadata?.deletionTimestamp)} finalizers=${JSON.stringify(o.metadata?.finalizers)}`,
        );
      return true;
    },
    DEADLINE,
  );
}

/**
 * Deletes an object with `policy` (none: the default, Background). Retried when the
 * apiserver answers a transient error under concurrent writes (see the report on
 * "internal storage error"); an object already gone counts as deleted.
 */
async function remove(
  kind: KindName,
  namespace: string,
  name: string,
  policy?: "Orphan" | "Foreground",
): Promise<void> {
  await waitFor(
    `the delete of ${kind} ${namespace}/${name}`,
    async () => {
      try {
        await cp.client.kind(kind).delete(name, {
          namespace,
          options: policy === undefined ? undefined : { propagationPolicy: policy },
        });
      } catch (e) {
        if (!(e instanceof ApiStatusError && e.isNotFound)) throw e;
      }
      return true;
    },
    DEADLINE,
  );
}

/** Lets a Pod that holds HOLD go (read and update again when someone else wrote in between). */
async function release(namespace: string, name: string): Promise<void> {
  await waitFor(
    `${namespace}/${name} to lose ${HOLD}`,
    async () => {
      const p = await pods().get(name, { namespace });
      await pods().update(
        Pod.fromPartial({
          ...p,
          metadata: { ...p.metadata, finalizers: p.metadata?.finalizers.filter((f) => f !== HOLD) },
        }),
      );
      return true;
    },
    DEADLINE,
  );
}

function ownerUids(o: ApiObjectLike | undefined): string[] {
  return (o?.metadata?.ownerReferences ?? []).map((r) => r.uid);
}

describe("garbage collector", () => {
  it("deletes the dependents of an owner deleted in the background (the default)", async () => {
    const ns = "gc-background";
    await createNamespace(cp.client, ns);
    const rs = await owner(ns, "rs");
    await dependent(ns, "a", [{ rs }]);
    await dependent(ns, "b", [{ rs }]);
    await remove("ReplicaSet", ns, "rs");
    await waitGone("ReplicaSet", ns, "rs");
    await waitGone("Pod", ns, "a");
    await waitGone("Pod", ns, "b");
  });

  it("deletes a dependent whose owner does not exist (a virtual owner confirmed absent)", async () => {
    const ns = "gc-virtual";
    await createNamespace(cp.client, ns);
    const ghost = ReplicaSet.fromPartial({
      metadata: { name: "never-was", uid: "00000000-0000-4000-8000-000000000000" },
    });
    await dependent(ns, "orphan", [{ rs: ghost }]);
    await waitGone("Pod", ns, "orphan");
  });

  it("with Orphan, leaves the dependents without the owner's reference, and the owner gone", async () => {
    const ns = "gc-orphan";
    await createNamespace(cp.client, ns);
    const rs = await owner(ns, "rs");
    await dependent(ns, "a", [{ rs, block: true }]);
    await dependent(ns, "b", [{ rs }]);
    await remove("ReplicaSet", ns, "rs", "Orphan");
    await waitGone("ReplicaSet", ns, "rs");
    for (const name of ["a", "b"]) {
      const p = await pods().get(name, { namespace: ns });
      expect(p.metadata?.ownerReferences).toEqual([]);
      expect(p.metadata?.deletionTimestamp).toBeUndefined();
    }
  });

  it("with Foreground, deletes the dependents first and the owner last", async () => {
    const ns = "gc-foreground";
    await createNamespace(cp.client, ns);
    const rs = await owner(ns, "rs");
    await dependent(ns, "held", [{ rs, block: true }], [HOLD]);
    await dependent(ns, "free", [{ rs, block: true }]);
    await dependent(ns, "nonblocking", [{ rs, block: false }]);
    await remove("ReplicaSet", ns, "rs", "Foreground");
    await waitGone("Pod", ns, "free");
    await waitGone("Pod", ns, "nonblocking");
    const held = await waitFor(
      "the held dependent to be terminating",
      async () => {
        const p = await pods().get("held", { namespace: ns });
        return p.metadata?.deletionTimestamp !== undefined ? p : undefined;
      },
      DEADLINE,
    );
    expect(held.metadata?.finalizers).toContain(HOLD);
    // The owner waits for its blocking dependent.
    const waiting = await replicaSets().get("rs", { namespace: ns });
    expect(waiting.metadata?.deletionTimestamp).toBeDefined();
    expect(waiting.metadata?.finalizers).toContain("foregroundDeletion");
    await release(ns, "held");
    await waitGone("Pod", ns, "held");
    await waitGone("ReplicaSet", ns, "rs");
  });

  it("cascades a foreground deletion down a chain of owners", async () => {
    const ns = "gc-chain";
    await createNamespace(cp.client, ns);
    const top = await owner(ns, "top");
    const mid = await owner(ns, "mid", [{ rs: top, block: true }]);
    await dependent(ns, "leaf", [{ rs: mid, block: true }], [HOLD]);
    await remove("ReplicaSet", ns, "top", "Foreground");
    await waitFor(
      "the middle owner to be deleted in the foreground too",
      async () => {
        const m = await replicaSets().get("mid", { namespace: ns });
        return m.metadata?.finalizers.includes("foregroundDeletion") === true ? m : undefined;
      },
      DEADLINE,
    );
    await waitFor(
      "the leaf to be terminating",
      async () => (await find("Pod", ns, "leaf"))?.metadata?.deletionTimestamp,
      DEADLINE,
    );
    expect(await find("ReplicaSet", ns, "top")).toBeDefined();
    await release(ns, "leaf");
    await waitGone("Pod", ns, "leaf");
    await waitGone("ReplicaSet", ns, "mid");
    await waitGone("ReplicaSet", ns, "top");
  });

  it("keeps a dependent that has another live owner, removing only the dangling reference", async () => {
    const ns = "gc-two-owners";
    await createNamespace(cp.client, ns);
    const first = await owner(ns, "first");
    const second = await owner(ns, "second");
    await dependent(ns, "shared", [{ rs: first }, { rs: second }]);
    await remove("ReplicaSet", ns, "first");
    await waitFor(
      "the reference to the deleted owner to be removed",
      async () => {
        const p = await find("Pod", ns, "shared");
        const uids = ownerUids(p);
        if (uids.length !== 1) throw new Error(`owners: ${JSON.stringify(uids)}`);
        return p;
      },
      DEADLINE,
    ).then((p) => {
      expect(ownerUids(p)).toEqual([second.metadata?.uid]);
      expect(p.metadata?.deletionTimestamp).toBeUndefined();
    });
    await remove("ReplicaSet", ns, "second");
    await waitGone("Pod", ns, "shared");
  });

  it("finishes deletions that happened while the controller-manager was down", async () => {
    const ns = "gc-restart";
    await createNamespace(cp.client, ns);
    const gone = await owner(ns, "gone");
    const orphaning = await owner(ns, "orphaning");
    await dependent(ns, "collected", [{ rs: gone }]);
    await dependent(ns, "released", [{ rs: orphaning }]);
    await cp.controllerManager.stop();
    await remove("ReplicaSet", ns, "gone");
    await remove("ReplicaSet", ns, "orphaning", "Orphan");
    await cp.restartControllerManager();
    await waitGone("Pod", ns, "collected");
    await waitGone("ReplicaSet", ns, "orphaning");
    const released = await pods().get("released", { namespace: ns });
    expect(released.metadata?.ownerReferences).toEqual([]);
    expect(released.metadata?.deletionTimestamp).toBeUndefined();
  });
});

function deployment(namespace: string, name: string, replicas: number): Deployment {
  return Deployment.fromPartial({
    metadata: { namespace, name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: "busybox" }] },
      },
    },
  });
}

/** Waits until `namespace` has `n` running pods labelled app=`app`; returns the ReplicaSets. */
async function waitForRollout(namespace: string, app: string, n: number): Promise<ReplicaSet[]> {
  await waitFor(
    `${n} running pods of ${namespace}/${app}`,
    async () => {
      const list = await pods().list({ namespace, labelSelector: `app=${app}` });
      const running = list.items.filter(
        (p) => p.status?.phase === "Running" && p.metadata?.deletionTimestamp === undefined,
      );
      if (running.length !== n) throw new Error(`${running.length} running`);
      return true;
    },
    DEADLINE,
  );
  return (await replicaSets().list({ namespace })).items;
}

describe("garbage collector with the workload controllers", () => {
  it("deleting a Deployment removes its ReplicaSets and their pods", async () => {
    const ns = "gc-deployment";
    await createNamespace(cp.client, ns);
    await cp.client.kind("Deployment").create(deployment(ns, "web", 2));
    expect(await waitForRollout(ns, "web", 2)).toHaveLength(1);
    await remove("Deployment", ns, "web");
    await waitGone("Deployment", ns, "web");
    await waitFor(
      "the ReplicaSets and pods to be gone",
      async () => {
        const rs = (await replicaSets().list({ namespace: ns })).items.length;
        const p = (await pods().list({ namespace: ns })).items.length;
        if (rs + p > 0) throw new Error(`${rs} ReplicaSets, ${p} pods`);
        return true;
      },
      DEADLINE,
    );
  });

  it("deleting a Deployment with Orphan leaves its ReplicaSets and pods", async () => {
    const ns = "gc-deployment-orphan";
    await createNamespace(cp.client, ns);
    const d = await cp.client.kind("Deployment").create(deployment(ns, "web", 2));
    await waitForRollout(ns, "web", 2);
    await remove("Deployment", ns, "web", "Orphan");
    await waitGone("Deployment", ns, "web");
    const [rs, ...others] = (await replicaSets().list({ namespace: ns })).items;
    expect(others).toEqual([]);
    expect(ownerUids(rs)).not.toContain(d.metadata?.uid);
    expect(rs?.metadata?.deletionTimestamp).toBeUndefined();
    // The ReplicaSet keeps running its pods.
    await waitForRollout(ns, "web", 2);
    const list = await pods().list({ namespace: ns });
    for (const p of list.items) expect(ownerUids(p)).toEqual([rs?.metadata?.uid]);
  });
});

describe("namespace controller", () => {
  it("deletes everything in a deleted namespace, then the namespace", async () => {
    const ns = "ns-doomed";
    await createNamespace(cp.client, ns);
    await cp.client.kind("Deployment").create(deployment(ns, "web", 2));
    for (const name of ["bare-1", "bare-2"])
      await pods().create(
        Pod.fromPartial({
          metadata: { namespace: ns, name },
          spec: { containers: [{ name: "main", image: "busybox" }] },
        }),
      );
    await cp.client.kind("Service").create(
      Service.fromPartial({
        metadata: { namespace: ns, name: "web" },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
      }),
    );
    await waitForRollout(ns, "web", 2);
    await waitFor("the Service's Endpoints", () => find("Endpoints", ns, "web"), DEADLINE);

    await remove("Namespace", "", ns);
    await waitGone("Namespace", "", ns);
    for (const kind of ["Pod", "ReplicaSet", "Deployment", "Service", "Endpoints"] as const)
      expect((await cp.client.kind(kind).list({ namespace: ns })).items).toEqual([]);
  });

  it("waits for content held by finalizers, saying so in its conditions", async () => {
    const ns = "ns-held";
    await createNamespace(cp.client, ns);
    await pods().create(
      Pod.fromPartial({
        metadata: { namespace: ns, name: "held", finalizers: [HOLD] },
        spec: { containers: [{ name: "main", image: "busybox" }] },
      }),
    );
    await remove("Namespace", "", ns);
    const waiting = await waitFor(
      "the namespace to report a finalizer remaining",
      async () => {
        const n = await cp.client.kind("Namespace").get(ns);
        const c = n.status?.conditions.find((x) => x.type === "NamespaceFinalizersRemaining");
        return c?.status === "True" ? n : undefined;
      },
      DEADLINE,
    );
    expect(waiting.status?.phase).toBe("Terminating");
    expect(waiting.spec?.finalizers).toEqual(["kubernetes"]);
    expect(
      waiting.status?.conditions.find((x) => x.type === "NamespaceContentRemaining"),
    ).toMatchObject({
      status: "True",
      message: "Some resources are remaining: pods has 1 resource instances",
    });
    await release(ns, "held");
    await waitGone("Namespace", "", ns);
  });
});
