// The endpoints controller against a real apiserver, scheduler and controller-manager
// (ControlPlane; the test kubelet runs the pods and decides their readiness): a Service
// with a selector gets Endpoints with every ready pod's IP and the resolved target ports;
// not-ready pods move to notReadyAddresses; a deleted pod leaves the Endpoints at once,
// before its kubelet has finished it; hand-written Endpoints of a Service without a
// selector stay as written; a deleted Service loses its Endpoints; an unchanged world is
// never rewritten, not even by a new controller-manager.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status as grpcStatus } from "@grpc/grpc-js";
import { ApiStatusError, waitFor } from "@k8ts/sdk";
import { Endpoints, type EndpointSubset } from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { createNamespace } from "./api-objects.js";
import { ControlPlane } from "./control-plane.js";

let cp: ControlPlane;

beforeAll(async () => {
  // Only this controller: pods are created bare, so nothing else acts on them. One worker
  // works the queue in order, which makes barrier() sound.
  cp = await ControlPlane.start({
    controllerManagerArgs: ["--controllers", "endpoint", "--concurrent-workers", "1"],
  });
}, 60_000);

afterAll(async () => {
  await cp.dispose();
});

const pods = () => cp.client.kind("Pod");
const services = () => cp.client.kind("Service");
const endpoints = () => cp.client.kind("Endpoints");

/** A bare pod labelled app=<app>; `http` names its container port 8080 "http". */
function webPod(namespace: string, name: string, app: string, http = true): Pod {
  return Pod.fromPartial({
    metadata: { namespace, name, labels: { app } },
    spec: {
      containers: [
        {
          name: "main",
          image: "busybox:1.36",
          ports: http ? [{ name: "http", containerPort: 8080 }] : [],
        },
      ],
    },
  });
}

/** A Service of pods app=<app>: port 80 -> the pods' "http" port, 9090 -> pod port 9100. */
function webService(namespace: string, name: string, app: string): Service {
  return Service.fromPartial({
    metadata: { namespace, name, labels: { team: "web" } },
    spec: {
      selector: { app },
      ports: [
        { name: "http", port: 80, targetPort: { value: { $case: "strVal", value: "http" } } },
        { name: "metrics", port: 9090, targetPort: { value: { $case: "intVal", value: 9100 } } },
      ],
    },
  });
}

async function createPods(namespace: string, names: string[], app: string): Promise<void> {
  for (const name of names) await pods().create(webPod(namespace, name, app));
}

/** Waits until every named pod runs with an IP; returns name -> pod. */
async function runningPods(namespace: string, names: string[]): Promise<Map<string, Pod>> {
  return waitFor(`pods ${names.join(", ")} running with an IP`, async () => {
    const out = new Map<string, Pod>();
    for (const name of names) {
      const p = await pods().get(name, { namespace });
      if (p.status?.phase !== "Running" || (p.status.podIP ?? "") === "") return undefined;
      out.set(name, p);
    }
    return out;
  });
}

async function getEndpoints(namespace: string, name: string): Promise<Endpoints | undefined> {
  try {
    return await endpoints().get(name, { namespace });
  } catch (e) {
    if (e instanceof ApiStatusError && e.code === grpcStatus.NOT_FOUND) return undefined;
    throw e;
  }
}

/** Summary of a subset: its ports and the pod names of its ready and not-ready addresses. */
function summary(s: EndpointSubset): { ports: string[]; ready: string[]; notReady: string[] } {
  const names = (as: EndpointSubset["addresses"]) => as.map((a) => a.targetRef?.name ?? "").sort();
  return {
    ports: s.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`),
    ready: names(s.addresses),
    notReady: names(s.notReadyAddresses),
  };
}

/** Waits until the Endpoints' subsets summarise to `want`. */
async function waitForSubsets(
  namespace: string,
  name: string,
  want: ReturnType<typeof summary>[],
): Promise<Endpoints> {
  return waitFor(`Endpoints ${namespace}/${name} to be ${JSON.stringify(want)}`, async () => {
    const ep = await getEndpoints(namespace, name);
    if (ep === undefined) throw new Error("no Endpoints");
    const got = ep.subsets.map(summary);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(JSON.stringify(got));
    return ep;
  });
}

/**
 * Waits until the controller has handled a change made after everything before it: a new
 * Service gets its Endpoints (the queue is worked in order, so earlier keys are done).
 */
async function barrier(namespace: string, name: string): Promise<void> {
  await services().create(webService(namespace, name, `${name}-none`));
  await waitFor(`Endpoints of the barrier Service ${namespace}/${name}`, () =>
    getEndpoints(namespace, name),
  );
}

describe("endpoint controller", () => {
  it("publishes ready pods with the resolved target ports, and moves not-ready pods aside", async () => {
    const ns = "ep-publish";
    await createNamespace(cp.client, ns);
    await services().create(webService(ns, "web", "web"));
    await createPods(ns, ["web-0", "web-1", "web-2"], "web");
    // A pod without the named port serves only the numeric one.
    await pods().create(webPod(ns, "plain", "web", false));
    const running = await runningPods(ns, ["web-0", "web-1", "web-2", "plain"]);

    const ep = await waitForSubsets(ns, "web", [
      { ports: ["metrics:9100/TCP"], ready: ["plain", "web-0", "web-1", "web-2"], notReady: [] },
      { ports: ["http:8080/TCP"], ready: ["web-0", "web-1", "web-2"], notReady: [] },
    ]);
    expect(ep.metadata?.labels).toEqual({ team: "web" });
    for (const subset of ep.subsets)
      for (const a of subset.addresses) {
        const p = running.get(a.targetRef?.name ?? "");
        expect(a.ip).toBe(p?.status?.podIP);
        expect(a.nodeName).toBe(p?.spec?.nodeName);
        expect(a.targetRef).toEqual(
          expect.objectContaining({ kind: "Pod", namespace: ns, uid: p?.metadata?.uid }),
        );
      }

    try {
      cp.kubelet.setReady((p) => !(p.metadata?.namespace === ns && p.metadata.name === "web-1"));
      await waitForSubsets(ns, "web", [
        { ports: ["metrics:9100/TCP"], ready: ["plain", "web-0", "web-2"], notReady: ["web-1"] },
        { ports: ["http:8080/TCP"], ready: ["web-0", "web-2"], notReady: ["web-1"] },
      ]);
    } finally {
      cp.kubelet.setReady(() => true);
    }
    await waitForSubsets(ns, "web", [
      { ports: ["metrics:9100/TCP"], ready: ["plain", "web-0", "web-1", "web-2"], notReady: [] },
      { ports: ["http:8080/TCP"], ready: ["web-0", "web-1", "web-2"], notReady: [] },
    ]);

    // A pod whose labels stop matching leaves.
    const plain = await pods().get("plain", { namespace: ns });
    await pods().update(
      Pod.fromPartial({ ...plain, metadata: { ...plain.metadata, labels: { app: "other" } } }),
    );
    await waitForSubsets(ns, "web", [
      {
        ports: ["http:8080/TCP", "metrics:9100/TCP"],
        ready: ["web-0", "web-1", "web-2"],
        notReady: [],
      },
    ]);
  });

  it("drops a deleted pod at once, before its kubelet has finished it", async () => {
    const ns = "ep-terminating";
    await createNamespace(cp.client, ns);
    await services().create(webService(ns, "web", "web"));
    await createPods(ns, ["web-0", "web-1"], "web");
    const running = await runningPods(ns, ["web-0", "web-1"]);
    await waitForSubsets(ns, "web", [
      { ports: ["http:8080/TCP", "metrics:9100/TCP"], ready: ["web-0", "web-1"], notReady: [] },
    ]);

    // The pod's node never finishes the deletion: the pod stays, terminating.
    const node = running.get("web-1")?.spec?.nodeName ?? "";
    cp.kubelet.kill(node);
    try {
      await pods().delete("web-1", { namespace: ns });
      await waitForSubsets(ns, "web", [
        { ports: ["http:8080/TCP", "metrics:9100/TCP"], ready: ["web-0"], notReady: [] },
      ]);
      const terminating = await pods().get("web-1", { namespace: ns });
      expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    } finally {
      await cp.kubelet.revive(node);
    }
    await waitFor("web-1 to be gone", async () => {
      const left = await pods().list({ namespace: ns });
      return left.items.some((p) => p.metadata?.name === "web-1") ? undefined : true;
    });
  });

  it("keeps the hand-written Endpoints of a Service without a selector", async () => {
    const ns = "ep-manual";
    await createNamespace(cp.client, ns);
    await services().create(
      Service.fromPartial({
        metadata: { namespace: ns, name: "external" },
        spec: { ports: [{ name: "db", port: 5432 }] },
      }),
    );
    const written = await endpoints().create(
      Endpoints.fromPartial({
        metadata: { namespace: ns, name: "external" },
        subsets: [
          {
            addresses: [{ ip: "192.0.2.10" }],
            ports: [{ name: "db", port: 5432, protocol: "TCP" }],
          },
        ],
      }),
    );
    // Pods in the namespace and an edit of the Endpoints: still nothing to do for it.
    await createPods(ns, ["web-0"], "web");
    const edited = await endpoints().update(
      Endpoints.fromPartial({
        ...written,
        subsets: [
          {
            addresses: [{ ip: "192.0.2.10" }, { ip: "192.0.2.11" }],
            ports: [{ name: "db", port: 5432, protocol: "TCP" }],
          },
        ],
      }),
    );
    await barrier(ns, "barrier");
    const now = await endpoints().get("external", { namespace: ns });
    expect(now.metadata?.resourceVersion).toBe(edited.metadata?.resourceVersion);
    expect(now.subsets[0]?.addresses.map((a) => a.ip)).toEqual(["192.0.2.10", "192.0.2.11"]);
  });

  it("never rewrites unchanged Endpoints, not even after a controller-manager restart", async () => {
    const ns = "ep-stable";
    await createNamespace(cp.client, ns);
    await services().create(webService(ns, "web", "web"));
    await createPods(ns, ["web-0", "web-1", "web-2"], "web");
    await runningPods(ns, ["web-0", "web-1", "web-2"]);
    const ep = await waitForSubsets(ns, "web", [
      {
        ports: ["http:8080/TCP", "metrics:9100/TCP"],
        ready: ["web-0", "web-1", "web-2"],
        notReady: [],
      },
    ]);
    await cp.restartControllerManager();
    await barrier(ns, "barrier");
    const again = await endpoints().get("web", { namespace: ns });
    expect(again.metadata?.resourceVersion).toBe(ep.metadata?.resourceVersion);
  });

  it("deletes the Endpoints of a deleted Service", async () => {
    const ns = "ep-delete";
    await createNamespace(cp.client, ns);
    await services().create(webService(ns, "web", "web"));
    await createPods(ns, ["web-0"], "web");
    await runningPods(ns, ["web-0"]);
    await waitForSubsets(ns, "web", [
      { ports: ["http:8080/TCP", "metrics:9100/TCP"], ready: ["web-0"], notReady: [] },
    ]);
    await services().delete("web", { namespace: ns });
    await waitFor("the Endpoints of the deleted Service to be gone", async () =>
      (await getEndpoints(ns, "web")) === undefined ? true : undefined,
    );
  });
});
