// The Deployment controller against a real apiserver, scheduler and controller-manager
// (ReplicaSet and Deployment controllers; the test kubelet runs the pods, and pods of an
// image ending in ":not-ready" never become Ready): Deployments keep their replicas,
// scale (also mid-rollout, proportionally), roll out within maxSurge/maxUnavailable,
// reuse an old ReplicaSet on rollback, stop at the progress deadline with the old pods
// serving, recreate without overlap, pause, prune old revisions, and survive the
// controller-manager being killed mid-rollout without a surge beyond bounds or a spurious
// ReplicaSet. Pods are sampled continuously during rollouts to check the bounds at every
// moment seen, not only at the end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiStatusError, waitFor } from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { createNamespace } from "./api-objects.js";
import { ControlPlane } from "./control-plane.js";

const CONVERGE_MS = 60_000;
const TEST_MS = 180_000;
const REVISION = "deployment.kubernetes.io/revision";

let cp: ControlPlane;

beforeAll(async () => {
  cp = await ControlPlane.start({
    controllerManagerArgs: ["--controllers", "replicaset,deployment"],
    kubelet: { ready: (pod) => !imageOf(pod).endsWith(":not-ready") },
  });
}, 60_000);

afterAll(async () => {
  await cp.dispose();
});

const deployments = () => cp.client.kind("Deployment");
const replicaSets = () => cp.client.kind("ReplicaSet");
const pods = () => cp.client.kind("Pod");

function imageOf(pod: Pod): string {
  return pod.spec?.containers[0]?.image ?? "";
}

interface Shape {
  readonly replicas: number;
  readonly image: string;
  readonly maxSurge?: number;
  readonly maxUnavailable?: number;
  readonly recreate?: boolean;
  readonly progressDeadlineSeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly paused?: boolean;
  readonly minReadySeconds?: number;
}

function deployment(namespace: string, name: string, s: Shape): Deployment {
  return Deployment.fromPartial({
    metadata: { namespace, name },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: s.image }] },
      },
      strategy: s.recreate
        ? { type: "Recreate" }
        : {
            type: "RollingUpdate",
            rollingUpdate: {
              maxSurge: { value: { $case: "intVal", value: s.maxSurge ?? 1 } },
              maxUnavailable: { value: { $case: "intVal", value: s.maxUnavailable ?? 0 } },
            },
          },
      progressDeadlineSeconds: s.progressDeadlineSeconds,
      revisionHistoryLimit: s.revisionHistoryLimit,
      paused: s.paused ?? false,
      minReadySeconds: s.minReadySeconds,
    },
  });
}

/** Reads, changes and writes the Deployment, again on a conflict. */
async function change(namespace: string, name: string, fn: (d: Deployment) => void): Promise<void> {
  await waitFor(`an update of ${namespace}/${name}`, async () => {
    const d = await deployments().get(name, { namespace });
    fn(d);
    try {
      return await deployments().update(d);
    } catch (e) {
      if (e instanceof ApiStatusError && e.isConflict) return undefined;
      throw e;
    }
  });
}

const setImage = (namespace: string, name: string, image: string) =>
  change(namespace, name, (d) => {
    const c = d.spec?.template?.spec?.containers[0];
    if (c !== undefined) c.image = image;
  });

const setReplicas = (namespace: string, name: string, replicas: number) =>
  change(namespace, name, (d) => {
    if (d.spec !== undefined) d.spec.replicas = replicas;
  });

const setPaused = (namespace: string, name: string, paused: boolean) =>
  change(namespace, name, (d) => {
    if (d.spec !== undefined) d.spec.paused = paused;
  });

function isTerminating(p: Pod): boolean {
  return p.metadata?.deletionTimestamp !== undefined;
}

function isReady(p: Pod): boolean {
  return (
    !isTerminating(p) &&
    p.status?.conditions.some((c) => c.type === "Ready" && c.status === "True") === true
  );
}

async function podsOf(namespace: string): Promise<Pod[]> {
  return (await pods().list({ namespace })).items;
}

async function replicaSetsOf(namespace: string): Promise<ReplicaSet[]> {
  return (await replicaSets().list({ namespace })).items;
}

/**
 * Waits until the Deployment's rollout is complete: its latest generation observed,
 * `replicas` updated and available, and exactly `replicas` live pods, all of `image`.
 */
async function waitForComplete(
  namespace: string,
  name: string,
  replicas: number,
  image: string,
): Promise<Deployment> {
  return waitFor(
    `${namespace}/${name} complete with ${replicas} pods of ${image}`,
    async () => {
      const d = await deployments().get(name, { namespace });
      const s = d.status;
      if (
        s === undefined ||
        s.observedGeneration < (d.metadata?.generation ?? 0) ||
        s.replicas !== replicas ||
        s.updatedReplicas !== replicas ||
        s.availableReplicas !== replicas ||
        s.unavailableReplicas !== 0
      )
        throw new Error(`status ${JSON.stringify(s)}`);
      const live = (await podsOf(namespace)).filter((p) => !isTerminating(p));
      const images = live.map(imageOf);
      if (live.length !== replicas || images.some((i) => i !== image))
        throw new Error(`live pods run ${JSON.stringify(images)}`);
      return d;
    },
    CONVERGE_MS,
  );
}

function condition(d: Deployment, type: string) {
  return d.status?.conditions.find((c) => c.type === type);
}

/** Lists the namespace's pods over and over, handing each snapshot to `check`, until stopped. */
function samplePods(namespace: string, check: (pods: Pod[]) => void): { stop(): Promise<number> } {
  let running = true;
  let samples = 0;
  const loop = (async () => {
    while (running) {
      check(await podsOf(namespace));
      samples++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

describe("deployment controller", () => {
  it(
    "keeps its replicas available and replaces deleted pods",
    async () => {
      const ns = "deploy-basic";
      await createNamespace(cp.client, ns);
      await deployments().create(deployment(ns, "web", { replicas: 5, image: "busybox:1" }));
      const d = await waitForComplete(ns, "web", 5, "busybox:1");
      expect(d.metadata?.annotations[REVISION]).toBe("1");
      expect(condition(d, "Available")).toMatchObject({
        status: "True",
        reason: "MinimumReplicasAvailable",
      });
      await waitFor("Progressing NewReplicaSetAvailable", async () => {
        const c = condition(await deployments().get("web", { namespace: ns }), "Progressing");
        return c?.reason === "NewReplicaSetAvailable" ? c : undefined;
      });

      const [rs] = await replicaSetsOf(ns);
      const hash = rs?.metadata?.labels["pod-template-hash"] ?? "";
      expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
      expect(rs?.metadata?.name).toBe(`web-${hash}`);
      expect(rs?.spec?.selector?.matchLabels).toEqual({ app: "web", "pod-template-hash": hash });
      expect(rs?.spec?.template?.metadata?.labels).toEqual({
        app: "web",
        "pod-template-hash": hash,
      });
      expect(rs?.metadata?.annotations[REVISION]).toBe("1");
      expect(rs?.metadata?.ownerReferences).toEqual([
        expect.objectContaining({ kind: "Deployment", name: "web", controller: true }),
      ]);
      const events = await cp.client
        .kind("Event")
        .list({ namespace: ns, fieldSelector: "involvedObject.name=web" });
      expect(events.items.map((e) => `${e.reason}: ${e.message}`)).toContain(
        `ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 5`,
      );

      const victims = (await podsOf(ns)).slice(0, 2).map((p) => p.metadata?.name ?? "");
      for (const v of victims) await pods().delete(v, { namespace: ns });
      await waitFor(
        "the deleted pods replaced",
        async () => {
          const live = (await podsOf(ns)).filter((p) => isReady(p));
          const names = live.map((p) => p.metadata?.name);
          return live.length === 5 && victims.every((v) => !names.includes(v)) ? live : undefined;
        },
        CONVERGE_MS,
      );
      await waitForComplete(ns, "web", 5, "busybox:1");
      // Same template: still the one ReplicaSet.
      expect(await replicaSetsOf(ns)).toHaveLength(1);
    },
    TEST_MS,
  );

  it(
    "scales up and down",
    async () => {
      const ns = "deploy-scale";
      await createNamespace(cp.client, ns);
      await deployments().create(deployment(ns, "web", { replicas: 3, image: "busybox:1" }));
      await waitForComplete(ns, "web", 3, "busybox:1");
      await setReplicas(ns, "web", 8);
      await waitForComplete(ns, "web", 8, "busybox:1");
      await setReplicas(ns, "web", 2);
      await waitForComplete(ns, "web", 2, "busybox:1");
      expect(await replicaSetsOf(ns)).toHaveLength(1);
    },
    TEST_MS,
  );

  it(
    "scales proportionally mid-rollout",
    async () => {
      const ns = "deploy-scale-mid";
      await createNamespace(cp.client, ns);
      await deployments().create(
        deployment(ns, "web", { replicas: 6, image: "busybox:1", maxSurge: 2, maxUnavailable: 0 }),
      );
      await waitForComplete(ns, "web", 6, "busybox:1");
      // A rollout that cannot finish: 2 surge pods that never become ready.
      await setImage(ns, "web", "busybox-v2:not-ready");
      const sizes = async (): Promise<Record<string, number>> =>
        Object.fromEntries(
          (await replicaSetsOf(ns)).map((rs) => [
            rs.spec?.template?.spec?.containers[0]?.image ?? "",
            rs.spec?.replicas ?? 0,
          ]),
        );
      await waitFor("the rollout stuck at 6 old + 2 new", async () => {
        const s = await sizes();
        return s["busybox:1"] === 6 && s["busybox-v2:not-ready"] === 2 ? s : undefined;
      });

      // 6 -> 12: replicas + maxSurge goes 8 -> 14, spread 6:2 (Kubernetes: 11 and 3).
      await setReplicas(ns, "web", 12);
      const up = await waitFor("a proportional scale-up", async () => {
        const s = await sizes();
        return (s["busybox:1"] ?? 0) + (s["busybox-v2:not-ready"] ?? 0) === 14 ? s : undefined;
      });
      expect(up).toEqual({ "busybox:1": 11, "busybox-v2:not-ready": 3 });
      await waitFor(
        "11 old pods available",
        async () => {
          const ready = (await podsOf(ns)).filter((p) => isReady(p) && imageOf(p) === "busybox:1");
          return ready.length === 11 ? ready : undefined;
        },
        CONVERGE_MS,
      );

      // 12 -> 3: 14 -> 5, spread 11:3 (Kubernetes: 4 and 1).
      await setReplicas(ns, "web", 3);
      const down = await waitFor("a proportional scale-down", async () => {
        const s = await sizes();
        return (s["busybox:1"] ?? 0) + (s["busybox-v2:not-ready"] ?? 0) === 5 ? s : undefined;
      });
      expect(down).toEqual({ "busybox:1": 4, "busybox-v2:not-ready": 1 });

      // A working template then rolls everything out at the new size.
      await setImage(ns, "web", "busybox:3");
      await waitForComplete(ns, "web", 3, "busybox:3");
    },
    TEST_MS,
  );

  it(
    "rolls out with maxSurge 1, maxUnavailable 0 never below the replicas ready, and rolls back",
    async () => {
      const ns = "deploy-rolling";
      await createNamespace(cp.client, ns);
      await deployments().create(
        deployment(ns, "web", { replicas: 5, image: "busybox:1", maxSurge: 1, maxUnavailable: 0 }),
      );
      await waitForComplete(ns, "web", 5, "busybox:1");
      const [first] = await replicaSetsOf(ns);

      let minReady = Infinity;
      let maxLive = 0;
      const sampler = samplePods(ns, (list) => {
        minReady = Math.min(minReady, list.filter(isReady).length);
        maxLive = Math.max(maxLive, list.filter((p) => !isTerminating(p)).length);
      });
      await setImage(ns, "web", "busybox:2");
      const d = await waitForComplete(ns, "web", 5, "busybox:2");
      const samples = await sampler.stop();
      expect(samples).toBeGreaterThan(10);
      expect(minReady).toBeGreaterThanOrEqual(5);
      expect(maxLive).toBeLessThanOrEqual(6);
      expect(d.metadata?.annotations[REVISION]).toBe("2");

      // Rollback as the CLI does it: the old template back in the Deployment.
      await setImage(ns, "web", "busybox:1");
      const back = await waitForComplete(ns, "web", 5, "busybox:1");
      const list = await replicaSetsOf(ns);
      expect(list).toHaveLength(2);
      const reused = list.find((rs) => rs.metadata?.uid === first?.metadata?.uid);
      expect(reused?.spec?.replicas).toBe(5);
      expect(reused?.metadata?.annotations[REVISION]).toBe("3");
      expect(reused?.metadata?.annotations["deployment.kubernetes.io/revision-history"]).toBe("1");
      expect(back.metadata?.annotations[REVISION]).toBe("3");
    },
    TEST_MS,
  );

  it(
    "stops a rollout that makes no progress at the deadline, the old pods still serving",
    async () => {
      const ns = "deploy-deadline";
      await createNamespace(cp.client, ns);
      await deployments().create(
        deployment(ns, "web", {
          replicas: 3,
          image: "busybox:1",
          maxSurge: 1,
          maxUnavailable: 0,
          progressDeadlineSeconds: 3,
        }),
      );
      await waitForComplete(ns, "web", 3, "busybox:1");
      await setImage(ns, "web", "busybox-v2:not-ready");
      const d = await waitFor(
        "Progressing=False ProgressDeadlineExceeded",
        async () => {
          const d = await deployments().get("web", { namespace: ns });
          const c = condition(d, "Progressing");
          if (c?.status !== "False") throw new Error(JSON.stringify(c));
          return d;
        },
        CONVERGE_MS,
      );
      expect(condition(d, "Progressing")?.reason).toBe("ProgressDeadlineExceeded");
      expect(condition(d, "Available")?.status).toBe("True");
      expect(d.status?.availableReplicas).toBe(3);
      const ready = (await podsOf(ns)).filter(isReady);
      expect(ready.map(imageOf)).toEqual(["busybox:1", "busybox:1", "busybox:1"]);

      // A fixed template finishes the rollout and the condition recovers.
      await setImage(ns, "web", "busybox:3");
      await waitForComplete(ns, "web", 3, "busybox:3");
      await waitFor(
        "Progressing NewReplicaSetAvailable",
        async () => {
          const c = condition(await deployments().get("web", { namespace: ns }), "Progressing");
          return c?.status === "True" && c.reason === "NewReplicaSetAvailable" ? c : undefined;
        },
        CONVERGE_MS,
      );
    },
    TEST_MS,
  );

  it(
    "recreates without ever running old and new pods together",
    async () => {
      const ns = "deploy-recreate";
      await createNamespace(cp.client, ns);
      await deployments().create(
        deployment(ns, "web", { replicas: 4, image: "busybox:1", recreate: true }),
      );
      await waitForComplete(ns, "web", 4, "busybox:1");
      const mixed: string[][] = [];
      const sampler = samplePods(ns, (list) => {
        // Terminating pods count: they may still run.
        const images = new Set(list.map(imageOf));
        if (images.size > 1) mixed.push([...images]);
      });
      await setImage(ns, "web", "busybox:2");
      await waitForComplete(ns, "web", 4, "busybox:2");
      expect(await sampler.stop()).toBeGreaterThan(10);
      expect(mixed).toEqual([]);
    },
    TEST_MS,
  );

  it(
    "pauses a rollout, scales while paused and continues on resume",
    async () => {
      const ns = "deploy-pause";
      await createNamespace(cp.client, ns);
      await deployments().create(deployment(ns, "web", { replicas: 2, image: "busybox:1" }));
      await waitForComplete(ns, "web", 2, "busybox:1");
      await setPaused(ns, "web", true);
      await setImage(ns, "web", "busybox:2");
      await setReplicas(ns, "web", 4);
      // The controller saw the last change (observedGeneration) and only scaled.
      const d = await waitFor(
        "the paused Deployment scaled",
        async () => {
          const d = await deployments().get("web", { namespace: ns });
          const s = d.status;
          if (s?.observedGeneration !== d.metadata?.generation || s?.availableReplicas !== 4)
            throw new Error(JSON.stringify(s));
          return d;
        },
        CONVERGE_MS,
      );
      expect(condition(d, "Progressing")).toMatchObject({
        status: "Unknown",
        reason: "DeploymentPaused",
      });
      const whilePaused = await replicaSetsOf(ns);
      expect(whilePaused).toHaveLength(1);
      expect(whilePaused[0]?.spec?.replicas).toBe(4);
      await waitFor(
        "4 pods of the old template",
        async () => {
          const live = (await podsOf(ns)).filter(isReady);
          return live.length === 4 && live.every((p) => imageOf(p) === "busybox:1")
            ? live
            : undefined;
        },
        CONVERGE_MS,
      );

      await setPaused(ns, "web", false);
      await waitForComplete(ns, "web", 4, "busybox:2");
      expect(await replicaSetsOf(ns)).toHaveLength(2);
    },
    TEST_MS,
  );

  it(
    "keeps at most revisionHistoryLimit old ReplicaSets, the newest ones",
    async () => {
      const ns = "deploy-history";
      await createNamespace(cp.client, ns);
      await deployments().create(
        deployment(ns, "web", { replicas: 2, image: "busybox:1", revisionHistoryLimit: 1 }),
      );
      await waitForComplete(ns, "web", 2, "busybox:1");
      for (const v of [2, 3, 4]) {
        await setImage(ns, "web", `busybox:${v}`);
        await waitForComplete(ns, "web", 2, `busybox:${v}`);
      }
      const left = await waitFor(
        "the old revisions pruned",
        async () => {
          const list = await replicaSetsOf(ns);
          return list.length === 2 ? list : undefined;
        },
        CONVERGE_MS,
      );
      expect(left.map((rs) => rs.metadata?.annotations[REVISION]).sort()).toEqual(["3", "4"]);
    },
    TEST_MS,
  );

  it(
    "raises collisionCount when another owner's ReplicaSet holds the hashed name",
    async () => {
      const ns = "deploy-collision";
      await createNamespace(cp.client, ns);
      const spec = deployment(ns, "web", { replicas: 2, image: "busybox:1" });
      await deployments().create(spec);
      await waitForComplete(ns, "web", 2, "busybox:1");
      const [squatter] = await replicaSetsOf(ns);
      // Without a garbage collector the ReplicaSet stays, controlled by a Deployment that
      // no longer exists; the next Deployment of the same template hashes to its name.
      await deployments().delete("web", { namespace: ns });
      await waitFor("the Deployment gone", async () => {
        const list = await deployments().list({ namespace: ns });
        return list.items.length === 0 ? list : undefined;
      });
      const again = await deployments().create(spec);
      const d = await waitFor(
        "the new Deployment available under another name",
        async () => {
          const d = await deployments().get("web", { namespace: ns });
          const s = d.status;
          if (s?.collisionCount !== 1 || s.updatedReplicas !== 2 || s.availableReplicas !== 2)
            throw new Error(JSON.stringify(s));
          return d;
        },
        CONVERGE_MS,
      );
      expect(d.metadata?.uid).toBe(again.metadata?.uid);
      const list = await replicaSetsOf(ns);
      expect(list).toHaveLength(2);
      const mine = list.find((rs) => rs.metadata?.uid !== squatter?.metadata?.uid);
      expect(mine?.metadata?.name).not.toBe(squatter?.metadata?.name);
      expect(mine?.metadata?.ownerReferences[0]?.uid).toBe(again.metadata?.uid);
      const left = list.find((rs) => rs.metadata?.uid === squatter?.metadata?.uid);
      expect(left?.metadata?.ownerReferences).toEqual(squatter?.metadata?.ownerReferences);
    },
    TEST_MS,
  );

  it(
    "only reports the status of a Deployment being deleted",
    async () => {
      const ns = "deploy-deleting";
      await createNamespace(cp.client, ns);
      const spec = deployment(ns, "web", { replicas: 2, image: "busybox:1" });
      if (spec.metadata !== undefined) spec.metadata.finalizers = ["example.com/hold"];
      await deployments().create(spec);
      await waitForComplete(ns, "web", 2, "busybox:1");
      await deployments().delete("web", { namespace: ns });
      await change(ns, "web", (d) => {
        const c = d.spec?.template?.spec?.containers[0];
        if (c !== undefined) c.image = "busybox:2";
        if (d.spec !== undefined) d.spec.replicas = 3;
      });
      const d = await waitFor("the new generation observed", async () => {
        const d = await deployments().get("web", { namespace: ns });
        return d.status?.observedGeneration === d.metadata?.generation ? d : undefined;
      });
      expect(d.metadata?.deletionTimestamp).toBeDefined();
      const list = await replicaSetsOf(ns);
      expect(list.map((rs) => rs.spec?.replicas)).toEqual([2]);
      await change(ns, "web", (d) => {
        if (d.metadata !== undefined) d.metadata.finalizers = [];
      });
    },
    TEST_MS,
  );

  it(
    "survives the controller-manager being killed mid-rollout",
    async () => {
      const ns = "deploy-restart";
      await createNamespace(cp.client, ns);
      // minReadySeconds makes every step of the rollout take a second, so kills land in it.
      await deployments().create(
        deployment(ns, "web", {
          replicas: 6,
          image: "busybox:1",
          maxSurge: 2,
          maxUnavailable: 1,
          minReadySeconds: 1,
        }),
      );
      await waitForComplete(ns, "web", 6, "busybox:1");
      let maxLive = 0;
      const sampler = samplePods(ns, (list) => {
        maxLive = Math.max(maxLive, list.filter((p) => !isTerminating(p)).length);
      });
      const templates = new Set<string>();
      const rsNames = new Set<string>();
      const recordReplicaSets = async () => {
        for (const rs of await replicaSetsOf(ns)) {
          rsNames.add(rs.metadata?.name ?? "");
          templates.add(rs.spec?.template?.spec?.containers[0]?.image ?? "");
        }
      };
      let killedMidRollout = 0;

      for (const image of ["busybox:2", "busybox:3"]) {
        await setImage(ns, "web", image);
        // Kills at random moments of the rollout (the restart itself takes seconds).
        for (let i = 0; i < 2; i++) {
          await new Promise((r) => setTimeout(r, Math.random() * 1000));
          await recordReplicaSets();
          const s = (await deployments().get("web", { namespace: ns })).status;
          if (s?.updatedReplicas !== 6 || s.replicas !== 6 || s.availableReplicas !== 6)
            killedMidRollout++;
          await cp.restartControllerManager(true);
        }
        await waitForComplete(ns, "web", 6, image);
        await recordReplicaSets();
      }
      // One more restart after completion: the same template must not start a rollout.
      await cp.restartControllerManager(true);
      await setReplicas(ns, "web", 7);
      await waitForComplete(ns, "web", 7, "busybox:3");
      await recordReplicaSets();
      await sampler.stop();

      expect(killedMidRollout).toBeGreaterThan(0);
      expect(maxLive).toBeLessThanOrEqual(6 + 2);
      // One ReplicaSet per template, ever.
      expect([...templates].sort()).toEqual(["busybox:1", "busybox:2", "busybox:3"]);
      expect(rsNames.size).toBe(3);
      const d = await deployments().get("web", { namespace: ns });
      expect(d.metadata?.annotations[REVISION]).toBe("3");
    },
    TEST_MS * 2,
  );
});
