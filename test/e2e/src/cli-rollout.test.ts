// `k8ts rollout` and `k8ts set image` as a user runs them: the real binary against a whole
// control plane (apiserver, scheduler, controller-manager with the ReplicaSet and
// Deployment controllers, and a test kubelet that runs the pods). Pods labelled
// `ready: "no"` never become Ready, so a rollout of them never finishes.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@k8ts/sdk";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ControlPlane } from "./control-plane.js";

const CLI = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));

/** Per scenario: a few rollouts of a handful of pods. */
const SCENARIO_MS = 120_000;
/** How long a convergence may take before the test fails. */
const CONVERGE_MS = 60_000;

let cp: ControlPlane;
let dir: string;

beforeAll(async () => {
  cp = await ControlPlane.start({
    kubelet: { ready: (pod) => pod.metadata?.labels.ready !== "no" },
  });
  dir = await mkdtemp(join(tmpdir(), "k8ts-cli-rollout-"));
});

afterAll(async () => {
  await cp.dispose();
  await rm(dir, { recursive: true, force: true });
});

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `k8ts ARGS` and waits for it to exit. */
function k8ts(...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, K8TS_SERVER: cp.api.address, K8TS_CONFIG: join(dir, "config") },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** Runs a command that must succeed; returns its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await k8ts(...args);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

function deployment(
  namespace: string,
  name: string,
  options: {
    replicas?: number;
    image?: string;
    labels?: Record<string, string>;
    extraSpec?: string;
    podSpec?: string;
  } = {},
): string {
  const labels = JSON.stringify({ app: name, ...options.labels });
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  replicas: ${options.replicas ?? 3}
  selector:
    matchLabels: {app: ${name}}
${options.extraSpec ?? ""}  template:
    metadata:
      labels: ${labels}
    spec:
${options.podSpec ?? ""}      containers:
        - name: web
          image: ${options.image ?? "k8ts/web:1.0"}
`;
}

/** Creates the namespace and applies the manifest. */
async function applyIn(namespace: string, manifest: string): Promise<void> {
  await ok("create", "namespace", namespace);
  const path = join(dir, `${namespace}.yaml`);
  await writeFile(path, manifest);
  await ok("apply", "-f", path);
}

/** `rollout status` until done: its last line. */
async function rolledOut(namespace: string, name: string): Promise<void> {
  const out = await ok("rollout", "status", `deploy/${name}`, "-n", namespace, "--timeout", "60s");
  expect(out.trimEnd().split("\n").at(-1)).toBe(`deployment "${name}" successfully rolled out`);
}

async function podsOf(namespace: string, app: string): Promise<Pod[]> {
  const { items } = await cp.client.kind("Pod").list({ namespace, labelSelector: `app=${app}` });
  return items;
}

/** Waits until exactly `count` pods of `app` exist, all running `image`. */
async function podsOn(
  namespace: string,
  app: string,
  count: number,
  image: string,
): Promise<Pod[]> {
  return waitFor(
    `${count} pods of ${app} on ${image}`,
    async () => {
      const pods = await podsOf(namespace, app);
      const fits =
        pods.length === count &&
        pods.every(
          (p) =>
            p.metadata?.deletionTimestamp === undefined &&
            p.spec?.containers[0]?.image === image &&
            p.status?.phase === "Running",
        );
      return fits ? pods : undefined;
    },
    CONVERGE_MS,
  );
}

describe("k8ts rollout", () => {
  it(
    "rolls out, sets an image, lists the history and undoes",
    async () => {
      const ns = "rollout-undo";
      await applyIn(ns, deployment(ns, "web"));
      await rolledOut(ns, "web");
      await podsOn(ns, "web", 3, "k8ts/web:1.0");

      expect(await ok("set", "image", "deploy/web", "web=k8ts/web:1.1", "-n", ns)).toBe(
        "deployment.apps/web image updated\n",
      );
      await rolledOut(ns, "web");
      await podsOn(ns, "web", 3, "k8ts/web:1.1");
      expect(await ok("rollout", "history", "deploy/web", "-n", ns)).toBe(
        "deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n",
      );
      const one = await ok("rollout", "history", "deployment", "web", "-n", ns, "--revision", "1");
      expect(one).toMatch(/^deployment\.apps\/web with revision #1\nPod Template:\n/);
      expect(one).toMatch(/^\s+Image:\s+k8ts\/web:1\.0$/m);

      expect(await ok("rollout", "undo", "deployments.apps/web", "-n", ns)).toBe(
        "deployment.apps/web rolled back\n",
      );
      await rolledOut(ns, "web");
      await podsOn(ns, "web", 3, "k8ts/web:1.0");
      // As in Kubernetes, the revision rolled back to becomes the newest.
      expect(await ok("rollout", "history", "deploy/web", "-n", ns)).toBe(
        "deployment.apps/web\nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n",
      );
      const web = await cp.client.kind("Deployment").get("web", { namespace: ns });
      expect(web.spec?.template?.metadata?.labels["pod-template-hash"]).toBeUndefined();

      expect(await ok("rollout", "undo", "deploy/web", "-n", ns, "--to-revision", "3")).toBe(
        "deployment.apps/web skipped rollback (current template already matches revision 3)\n",
      );
      const missing = await k8ts("rollout", "undo", "deploy/web", "-n", ns, "--to-revision", "9");
      expect(missing.stderr).toBe("error: unable to find specified revision 9 in history\n");
      expect(missing.code).toBe(1);
      const unknown = await k8ts("set", "image", "deploy/web", "api=k8ts/api:1.0", "-n", ns);
      expect(unknown.stderr).toBe('error: unable to find container named "api"\n');
      expect(unknown.code).toBe(1);
    },
    SCENARIO_MS,
  );

  it(
    "pauses and resumes",
    async () => {
      const ns = "rollout-pause";
      await applyIn(ns, deployment(ns, "web"));
      await rolledOut(ns, "web");
      expect(await ok("rollout", "pause", "deploy/web", "-n", ns)).toBe(
        "deployment.apps/web paused\n",
      );
      const again = await k8ts("rollout", "pause", "deploy/web", "-n", ns);
      expect(again.stderr).toBe('error: deployments.apps "web" is already paused\n');
      expect(again.code).toBe(1);

      // Paused: the new template is recorded, not rolled out.
      await ok("set", "image", "deploy/web", "web=k8ts/web:2.0", "-n", ns);
      await waitFor(
        "the paused rollout to be observed",
        async () => {
          const r = await k8ts("rollout", "status", "deploy/web", "-n", ns, "--watch=false");
          return r.stdout ===
            'Waiting for deployment "web" rollout to finish: 0 out of 3 new replicas have been updated...\n'
            ? r
            : undefined;
        },
        CONVERGE_MS,
      );
      const undo = await k8ts("rollout", "undo", "deploy/web", "-n", ns, "--to-revision", "1");
      expect(undo.stderr).toBe(
        "error: you cannot rollback a paused deployment; resume it first with 'k8ts rollout resume deploy/web' and try again\n",
      );
      const restart = await k8ts("rollout", "restart", "deploy/web", "-n", ns);
      expect(restart.stderr).toBe(
        `error: deployments.apps "web" can't restart paused deployment (run rollout resume first)\n`,
      );
      expect(
        (await podsOf(ns, "web")).every((p) => p.spec?.containers[0]?.image === "k8ts/web:1.0"),
      ).toBe(true);

      expect(await ok("rollout", "resume", "deploy/web", "-n", ns)).toBe(
        "deployment.apps/web resumed\n",
      );
      const notPaused = await k8ts("rollout", "resume", "deploy/web", "-n", ns);
      expect(notPaused.stderr).toBe('error: deployments.apps "web" is not paused\n');
      await rolledOut(ns, "web");
      await podsOn(ns, "web", 3, "k8ts/web:2.0");
    },
    SCENARIO_MS,
  );

  it(
    "restarts every pod as a new revision",
    async () => {
      const ns = "rollout-restart";
      await applyIn(ns, deployment(ns, "web", { replicas: 2 }));
      await rolledOut(ns, "web");
      const before = new Set(
        (await podsOn(ns, "web", 2, "k8ts/web:1.0")).map((p) => p.metadata?.uid),
      );
      expect(await ok("rollout", "restart", "deploy/web", "-n", ns)).toBe(
        "deployment.apps/web restarted\n",
      );
      await rolledOut(ns, "web");
      const web = await cp.client.kind("Deployment").get("web", { namespace: ns });
      const restartedAt =
        web.spec?.template?.metadata?.annotations["kubectl.kubernetes.io/restartedAt"];
      expect(restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const after = await podsOn(ns, "web", 2, "k8ts/web:1.0");
      for (const p of after) {
        expect(before.has(p.metadata?.uid)).toBe(false);
        expect(p.metadata?.annotations["kubectl.kubernetes.io/restartedAt"]).toBe(restartedAt);
      }
      expect(await ok("rollout", "history", "deploy/web", "-n", ns)).toBe(
        "deployment.apps/web\nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n",
      );
    },
    SCENARIO_MS,
  );

  it(
    "scales, and rolls out the new size",
    async () => {
      const ns = "rollout-scale";
      await applyIn(ns, deployment(ns, "web", { replicas: 1 }));
      await rolledOut(ns, "web");
      expect(await ok("scale", "deploy/web", "-n", ns, "--replicas", "4")).toBe(
        "deployment.apps/web scaled\n",
      );
      await rolledOut(ns, "web");
      await podsOn(ns, "web", 4, "k8ts/web:1.0");
      await ok("scale", "deploy", "web", "-n", ns, "--replicas", "2");
      await rolledOut(ns, "web");
      await podsOn(ns, "web", 2, "k8ts/web:1.0");
    },
    SCENARIO_MS,
  );

  it(
    "sets images of ReplicaSets and Pods too",
    async () => {
      const ns = "rollout-set-image";
      await applyIn(
        ns,
        `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: k8ts/web:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: ${ns}}
spec:
  initContainers: [{name: setup, image: busybox:1.36}]
  containers: [{name: main, image: busybox:1.36}]
`,
      );
      expect(await ok("set", "image", "rs", "web", "web=k8ts/web:1.1", "-n", ns)).toBe(
        "replicaset.apps/web image updated\n",
      );
      const rs = await cp.client.kind("ReplicaSet").get("web", { namespace: ns });
      expect(rs.spec?.template?.spec?.containers[0]?.image).toBe("k8ts/web:1.1");
      expect(await ok("set", "image", "pod/debug", "*=busybox:1.37", "-n", ns)).toBe(
        "pod/debug image updated\n",
      );
      const pod = await cp.client.kind("Pod").get("debug", { namespace: ns });
      expect(pod.spec?.initContainers[0]?.image).toBe("busybox:1.37");
      expect(pod.spec?.containers[0]?.image).toBe("busybox:1.37");
      // Already set: nothing to write, and nothing printed (as kubectl).
      expect(await ok("set", "image", "pod/debug", "main=busybox:1.37", "-n", ns)).toBe("");
    },
    SCENARIO_MS,
  );

  it(
    "reports a stuck rollout: warnings, timeout, progress deadline",
    async () => {
      const ns = "rollout-stuck";
      await applyIn(
        ns,
        deployment(ns, "nowhere", {
          replicas: 1,
          podSpec: "      nodeSelector: {kubernetes.io/hostname: nowhere}\n",
        }),
      );
      await waitFor(
        "an unschedulable pod",
        async () =>
          (await podsOf(ns, "nowhere")).find((p) =>
            p.status?.conditions.some(
              (c) => c.type === "PodScheduled" && c.reason === "Unschedulable",
            ),
          ),
        CONVERGE_MS,
      );
      const once = await ok("rollout", "status", "deploy/nowhere", "-n", ns, "--watch=false");
      expect(once).toMatch(
        /^Waiting for deployment "nowhere" rollout to finish: .* \(Warning: 0\/3 nodes are available: .*\)\n$/,
      );
      const timedOut = await k8ts(
        "rollout",
        "status",
        "deploy/nowhere",
        "-n",
        ns,
        "--timeout",
        "1s",
      );
      expect(timedOut.stderr).toBe(
        'error: timed out after 1s waiting for deployment "nowhere" rollout to finish\n',
      );
      expect(timedOut.code).toBe(1);

      const path = join(dir, "deadline.yaml");
      await writeFile(
        path,
        deployment(ns, "deadline", {
          replicas: 1,
          labels: { ready: "no" },
          extraSpec: "  progressDeadlineSeconds: 1\n",
        }),
      );
      await ok("apply", "-f", path);
      const failed = await waitFor(
        "the progress deadline to be exceeded",
        async () => {
          const r = await k8ts(
            "rollout",
            "status",
            "deploy/deadline",
            "-n",
            ns,
            "--timeout",
            "60s",
          );
          return r.code === 1 ? r : undefined;
        },
        CONVERGE_MS,
      );
      expect(failed.stderr).toBe('error: deployment "deadline" exceeded its progress deadline\n');

      const gone = await k8ts("rollout", "status", "deploy/missing", "-n", ns);
      expect(gone.stderr).toBe(
        'Error from server (NotFound): deployments.apps "missing" not found\n',
      );
      expect(gone.code).toBe(1);
    },
    SCENARIO_MS,
  );
});
