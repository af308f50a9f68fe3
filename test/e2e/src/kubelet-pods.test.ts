// The kubelet with the mock runtime, end to end (issue 8's "done when"): a real apiserver,
// scheduler and controller-manager, and three nodes each running a real kubelet, mock
// runtime and mock network plugin. Pods of a Deployment run on the three nodes; a crashing
// container backs off with growing delays; a failing readiness probe keeps a pod unready;
// deletion finishes through the kubelet; a killed and restarted kubelet adopts its pods
// without restarting them.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as grpcStatus } from "@grpc/grpc-js";
import { NetworkClient, RuntimeClient, hasGrpcCode, waitFor } from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Pod, PodSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { createNamespace } from "./api-objects.js";
import { KubeletCluster } from "./kubelet-cluster.js";

let cluster: KubeletCluster;

beforeAll(async () => {
  cluster = await KubeletCluster.start({ nodes: 3 });
}, 90_000);

afterAll(async () => {
  await cluster?.dispose();
});

const pods = () => cluster.client.kind("Pod");
const CLI = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));

/** Runs the k8ts CLI against the cluster; resolves with its exit code and output. */
async function k8ts(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, K8TS_SERVER: cluster.api.address, K8TS_TOKEN: "" };
  return promisify(execFile)(process.execPath, [CLI, ...args], { env }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    }),
  );
}

function pod(namespace: string, name: string, spec: PodSpec): Pod {
  return Pod.fromPartial({ metadata: { namespace, name }, spec });
}

async function podNamed(namespace: string, name: string): Promise<Pod> {
  return pods().get(name, { namespace });
}

const condition = (p: Pod, type: string) => p.status?.conditions.find((c) => c.type === type);

describe("kubelet with the mock runtime", () => {
  it("registers every node Ready with its pod CIDR and kubelet endpoint", async () => {
    const nodes = await waitFor("three Ready nodes", async () => {
      const list = await cluster.client.kind("Node").list();
      const ready = list.items.filter((n) =>
        n.status?.conditions.some((c) => c.type === "Ready" && c.status === "True"),
      );
      return ready.length === 3 ? list.items : undefined;
    });
    for (const n of nodes) {
      expect(n.spec?.podCIDR).toMatch(/^10\.244\.\d\.0\/24$/);
      expect(n.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBeGreaterThan(0);
      expect(n.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^mock:\/\//);
    }
  });

  it("runs a Deployment's pods on the three nodes, Running and Ready with pod IPs", async () => {
    const ns = "kl-deploy";
    await createNamespace(cluster.client, ns);
    await cluster.client.kind("Deployment").create(
      Deployment.fromPartial({
        metadata: { namespace: ns, name: "web" },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: {
              containers: [{ name: "app", image: "blog:1" }],
              affinity: {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    {
                      labelSelector: { matchLabels: { app: "web" } },
                      topologyKey: "kubernetes.io/hostname",
                    },
                  ],
                },
              },
            },
          },
        },
      }),
    );
    const running = await waitFor(
      "3 pods Running and Ready",
      async () => {
        const list = await pods().list({ namespace: ns });
        const ok = list.items.filter(
          (p) => p.status?.phase === "Running" && condition(p, "Ready")?.status === "True",
        );
        return ok.length === 3 ? ok : undefined;
      },
      30_000,
    );
    expect(new Set(running.map((p) => p.spec?.nodeName)).size).toBe(3);
    for (const p of running) {
      const n = p.spec?.nodeName.slice("node-".length);
      expect(p.status?.podIP).toMatch(new RegExp(`^10\\.244\\.${n}\\.\\d+$`));
      expect(p.status?.hostIP).toBe("127.0.0.1");
      expect(p.status?.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0 });
      expect(p.status?.containerStatuses[0]?.containerID).toMatch(/^mock:\/\//);
    }
    await waitFor("Deployment available", async () => {
      const d = await cluster.client.kind("Deployment").get("web", { namespace: ns });
      return d.status?.availableReplicas === 3 ? d : undefined;
    });
  });

  it("backs off a container that keeps exiting 1 with growing delays (CrashLoopBackOff)", async () => {
    const ns = "kl-crash";
    await createNamespace(cluster.client, ns);
    await pods().create(
      pod(
        ns,
        "crasher",
        PodSpec.fromPartial({
          containers: [{ name: "app", image: "blog:1", command: ["sh", "-c", "exit 1"] }],
        }),
      ),
    );
    const delays = new Set<string>();
    const seen = await waitFor(
      "CrashLoopBackOff with restartCount >= 3 and two different delays",
      async () => {
        const p = await podNamed(ns, "crasher");
        const c = p.status?.containerStatuses[0];
        const st = c?.state?.state;
        if (st?.$case === "waiting" && st.value.reason === "CrashLoopBackOff") {
          const m = /back-off (\d+)s/.exec(st.value.message);
          if (m !== null) delays.add(m[1] ?? "");
        }
        return (c?.restartCount ?? 0) >= 3 && delays.size >= 2 ? p : undefined;
      },
      40_000,
      50,
    );
    const numbers = [...delays].map(Number).sort((a, b) => a - b);
    expect(numbers[numbers.length - 1]).toBeGreaterThan(numbers[0] ?? 0);
    const last = seen.status?.containerStatuses[0]?.lastState?.state;
    expect(last?.$case === "terminated" && last.value.exitCode).toBe(1);
    expect(seen.status?.phase).toBe("Running");
    const events = await cluster.client.kind("Event").list({ namespace: ns });
    expect(events.items.some((e) => e.reason === "BackOff")).toBe(true);
  });

  it("keeps a pod whose readiness probe fails not Ready, and one whose probe passes Ready", async () => {
    const ns = "kl-probe";
    await createNamespace(cluster.client, ns);
    const probe = (cmd: string) => ({
      handler: { $case: "exec" as const, value: { command: [cmd] } },
      periodSeconds: 1,
      failureThreshold: 1,
    });
    await pods().create(
      pod(
        ns,
        "unready",
        PodSpec.fromPartial({
          containers: [{ name: "app", image: "blog:1", readinessProbe: probe("false") }],
        }),
      ),
    );
    await pods().create(
      pod(
        ns,
        "ready",
        PodSpec.fromPartial({
          containers: [{ name: "app", image: "blog:1", readinessProbe: probe("true") }],
        }),
      ),
    );
    await waitFor(
      "the passing pod Ready",
      async () => {
        const p = await podNamed(ns, "ready");
        return condition(p, "Ready")?.status === "True" ? p : undefined;
      },
      20_000,
    );
    const unready = await waitFor(
      "the failing pod Running with an Unhealthy event",
      async () => {
        const p = await podNamed(ns, "unready");
        const events = await cluster.client.kind("Event").list({ namespace: ns });
        const unhealthy = events.items.some(
          (e) => e.reason === "Unhealthy" && e.involvedObject?.name === "unready",
        );
        return p.status?.phase === "Running" && unhealthy ? p : undefined;
      },
      20_000,
    );
    expect(condition(unready, "Ready")?.status).toBe("False");
    expect(unready.status?.containerStatuses[0]?.ready).toBe(false);
  });

  it("reports Succeeded and Failed for pods that run to completion", async () => {
    const ns = "kl-complete";
    await createNamespace(cluster.client, ns);
    await pods().create(
      pod(
        ns,
        "ok",
        PodSpec.fromPartial({
          restartPolicy: "Never",
          containers: [{ name: "app", image: "blog:1", command: ["sh", "-c", "echo done"] }],
        }),
      ),
    );
    await pods().create(
      pod(
        ns,
        "bad",
        PodSpec.fromPartial({
          restartPolicy: "Never",
          initContainers: [{ name: "init", image: "blog:1", command: ["true"] }],
          containers: [{ name: "app", image: "blog:1", command: ["sh", "-c", "exit 3"] }],
        }),
      ),
    );
    const ok = await waitFor(
      "ok Succeeded",
      async () => {
        const p = await podNamed(ns, "ok");
        return p.status?.phase === "Succeeded" ? p : undefined;
      },
      20_000,
    );
    expect(ok.status?.containerStatuses[0]?.state?.state?.$case).toBe("terminated");
    const bad = await waitFor(
      "bad Failed",
      async () => {
        const p = await podNamed(ns, "bad");
        return p.status?.phase === "Failed" ? p : undefined;
      },
      20_000,
    );
    const t = bad.status?.containerStatuses[0]?.state?.state;
    expect(t?.$case === "terminated" && t.value.exitCode).toBe(3);
    expect(bad.status?.initContainerStatuses[0]?.state?.state?.$case).toBe("terminated");
  });

  it("serves logs (also of the previous run) and exec through apiserver and kubelet", async () => {
    const ns = "kl-logs";
    await createNamespace(cluster.client, ns);
    await pods().create(
      pod(
        ns,
        "talker",
        PodSpec.fromPartial({
          containers: [
            {
              name: "app",
              image: "blog:1",
              env: [{ name: "WHO", value: "talker" }],
              command: ["sh", "-c", "echo run of $(WHO); echo oops >&2; sleep 1; exit 2"],
            },
          ],
        }),
      ),
    );
    await waitFor(
      "a restart",
      async () => {
        const p = await podNamed(ns, "talker");
        return (p.status?.containerStatuses[0]?.restartCount ?? 0) >= 1 ? p : undefined;
      },
      20_000,
    );
    const previous = await k8ts("logs", "talker", "-n", ns, "--previous");
    expect(previous).toMatchObject({ code: 0, stdout: "run of talker\noops\n" });
    const stamped = await k8ts("logs", "talker", "-n", ns, "--previous", "--timestamps");
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z run of talker\n/);

    await pods().create(
      pod(ns, "shell", PodSpec.fromPartial({ containers: [{ name: "app", image: "blog:1" }] })),
    );
    await waitFor(
      "shell Running",
      async () => {
        const p = await podNamed(ns, "shell");
        return p.status?.phase === "Running" ? p : undefined;
      },
      20_000,
    );
    expect(await k8ts("exec", "shell", "-n", ns, "--", "echo", "hi")).toMatchObject({
      code: 0,
      stdout: "hi\n",
    });
    const failed = await k8ts("exec", "shell", "-n", ns, "--", "sh", "-c", "exit 7");
    expect(failed.code).toBe(7);
    const missing = await k8ts("logs", "nope", "-n", ns);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("not found");
  });

  it("finishes a deletion through the kubelet and leaves nothing in the runtime", async () => {
    const ns = "kl-delete";
    await createNamespace(cluster.client, ns);
    await pods().create(
      pod(
        ns,
        "doomed",
        PodSpec.fromPartial({ nodeName: "node-2", containers: [{ name: "app", image: "blog:1" }] }),
      ),
    );
    const running = await waitFor(
      "doomed Running",
      async () => {
        const p = await podNamed(ns, "doomed");
        return p.status?.phase === "Running" ? p : undefined;
      },
      20_000,
    );
    const uid = running.metadata?.uid ?? "";
    await pods().delete("doomed", { namespace: ns });
    await waitFor(
      "the pod object gone",
      async () => {
        const list = await pods().list({ namespace: ns });
        return list.items.length === 0 ? true : undefined;
      },
      20_000,
    );
    const runtime = new RuntimeClient(cluster.node("node-2").runtime.endpoint);
    try {
      const sandboxes = await runtime.listPodSandbox({
        id: "",
        state: 0,
        labelSelector: { "io.kubernetes.pod.uid": uid },
      });
      expect(sandboxes).toEqual([]);
    } finally {
      runtime.close();
    }
  });

  it("adopts its pods after being killed and restarted, restarting nothing", async () => {
    const ns = "kl-restart";
    await createNamespace(cluster.client, ns);
    for (const name of ["a", "b"])
      await pods().create(
        pod(
          ns,
          name,
          PodSpec.fromPartial({
            nodeName: "node-3",
            containers: [{ name: "app", image: "blog:1" }],
          }),
        ),
      );
    const before = await waitFor(
      "both pods Running",
      async () => {
        const list = await pods().list({ namespace: ns });
        return list.items.filter((p) => p.status?.phase === "Running").length === 2
          ? list.items
          : undefined;
      },
      20_000,
    );
    const node = cluster.node("node-3");
    await node.restartKubelet(true);
    // Let the new kubelet sync and relist several times before comparing.
    const start = (await node.kubelet.status()).metrics.relists ?? 0;
    await node.kubelet.waitForStatus(
      (s) => s.synced && (s.metrics.relists ?? 0) >= start + 10,
      "ten relists after the restart",
      20_000,
    );
    const after = await pods().list({ namespace: ns });
    for (const p of before) {
      const now = after.items.find((q) => q.metadata?.name === p.metadata?.name);
      expect(now?.status?.containerStatuses[0]?.containerID).toBe(
        p.status?.containerStatuses[0]?.containerID,
      );
      expect(now?.status?.containerStatuses[0]?.restartCount).toBe(0);
      expect(now?.status?.phase).toBe("Running");
    }
  });

  it("releases the addresses of sandboxes removed while the kubelet was down (network GC)", async () => {
    const ns = "kl-netgc";
    await createNamespace(cluster.client, ns);
    await pods().create(
      pod(
        ns,
        "gone",
        PodSpec.fromPartial({ nodeName: "node-1", containers: [{ name: "app", image: "blog:1" }] }),
      ),
    );
    const running = await waitFor(
      "gone Running",
      async () => {
        const p = await podNamed(ns, "gone");
        return p.status?.phase === "Running" ? p : undefined;
      },
      20_000,
    );
    const node = cluster.node("node-1");
    const runtime = new RuntimeClient(node.runtime.endpoint);
    const network = new NetworkClient(node.network.endpoint);
    try {
      const [sandbox] = await runtime.listPodSandbox({
        id: "",
        state: 0,
        labelSelector: { "io.kubernetes.pod.uid": running.metadata?.uid ?? "" },
      });
      const sandboxId = sandbox?.id ?? "";
      await network.check({ sandboxId, netnsPath: "", interfaceName: "eth0", pod: undefined });
      await node.killKubelet();
      await runtime.removePodSandbox(sandboxId);
      await node.startKubelet();
      await waitFor(
        "the address released",
        async () => {
          try {
            await network.check({
              sandboxId,
              netnsPath: "",
              interfaceName: "eth0",
              pod: undefined,
            });
            return undefined;
          } catch (e) {
            return hasGrpcCode(e, grpcStatus.NOT_FOUND) ? true : undefined;
          }
        },
        20_000,
      );
      // The pod itself gets a new sandbox (and address) from the restarted kubelet.
      await waitFor(
        "gone Running again in a new sandbox",
        async () => {
          const list = await runtime.listPodSandbox({
            id: "",
            state: 1,
            labelSelector: { "io.kubernetes.pod.uid": running.metadata?.uid ?? "" },
          });
          return list.length === 1 && list[0]?.id !== sandboxId ? true : undefined;
        },
        20_000,
      );
    } finally {
      runtime.close();
      network.close();
    }
  });
});
