// Binding failures, with the Scheduler running in this process against a real apiserver
// and its bind wrapped to inject what is hard to provoke from outside: a failed bind
// un-assumes the pod (its resources are free for others) and retries it with back-off;
// a pod bound meanwhile by someone else, or deleted and recreated under the same name,
// is dropped (Bind answers FAILED_PRECONDITION or ABORTED) and never bound twice.
import { status } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import {
  ApiClient,
  ApiStatusError,
  EventRecorder,
  SharedInformerFactory,
  waitFor,
} from "@k8ts/sdk";
import { Scheduler, type PodInfo } from "@k8ts/scheduler";
import { createNamespace } from "./api-objects.js";
import { RecordingLogger } from "./recording-logger.js";
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
let client: ApiClient;

beforeAll(async () => {
  api = await ApiServerProcess.start();
  client = new ApiClient({ server: api.address });
});

afterAll(async () => {
  client.close();
  await api.dispose();
});

afterEach(async () => {
  await deleteAllPods(client);
  await deleteAllNodes(client);
});

/** A scheduler in this process whose binds go through `bindPod`, until the test ends. */
function runScheduler(
  bindPod: (pod: PodInfo, realBind: (pod: PodInfo) => Promise<void>) => Promise<void>,
): { scheduler: Scheduler; stop: () => Promise<void> } {
  const abort = new AbortController();
  const log = new RecordingLogger();
  const informers = new SharedInformerFactory(client, { logger: log });
  const recorder = new EventRecorder({ client, component: "default-scheduler", logger: log });
  const realBind = async (pod: PodInfo): Promise<void> => {
    await client
      .kind("Pod")
      .bind(pod.name, pod.nodeName, { namespace: pod.namespace, uid: pod.uid });
  };
  const scheduler = new Scheduler({
    client,
    informers,
    recorder,
    logger: log,
    podInitialBackoffMs: 50,
    podMaxBackoffMs: 200,
    bindPod: (pod) => bindPod(pod, realBind),
  });
  informers.start(abort.signal);
  scheduler.start(abort.signal);
  const running = scheduler.run(abort.signal);
  return {
    scheduler,
    stop: async () => {
      abort.abort();
      await running;
      await informers.whenStopped();
      await recorder.shutdown();
    },
  };
}

const unavailable = () =>
  new ApiStatusError(
    status.UNAVAILABLE,
    "injected: apiserver unavailable",
    [],
    "/k8ts.api.v1.Pods/Bind",
  );

describe("scheduler binding", () => {
  it("a failed bind frees the pod's resources at once and retries it", async () => {
    const ns = "bind-failure";
    await createNamespace(client, ns);
    await createNodes(client, [schedNode("only", { cpu: "1" })]);
    let flakyAttempts = 0;
    const { scheduler, stop } = runScheduler(async (pod, realBind) => {
      if (pod.name === "flaky") {
        flakyAttempts++;
        throw unavailable(); // this pod never binds
      }
      await realBind(pod);
    });
    try {
      await client.kind("Pod").create(schedPod(ns, "flaky", { cpu: "1" }));
      await waitFor("a failed bind of flaky", () => (flakyAttempts >= 1 ? true : undefined));
      // flaky was assumed onto the only node while its bind was in flight; the failure
      // must give the cpu back, or this pod could never fit.
      await client.kind("Pod").create(schedPod(ns, "steady", { cpu: "1" }));
      expect(await boundNode(client, ns, "steady")).toBe("only");
      await unschedulableMessage(
        client,
        ns,
        "flaky",
        "0/1 nodes are available: 1 Insufficient cpu.",
      );
      expect(scheduler.metrics.bindFailures).toBeGreaterThanOrEqual(1);
      const rejected = (await podEvents(client, ns, "flaky")).find((e) =>
        e.message.startsWith("Binding rejected:"),
      );
      expect(rejected?.reason).toBe("FailedScheduling");
      expect(scheduler.cache.node("only")?.podCount).toBe(1);
    } finally {
      await stop();
    }
  });

  it("a bind that fails for a while succeeds on a retry", async () => {
    const ns = "bind-retry";
    await createNamespace(client, ns);
    await createNodes(client, [schedNode("retry-1")]);
    let attempts = 0;
    const { scheduler, stop } = runScheduler(async (pod, realBind) => {
      if (pod.name === "eventually" && ++attempts <= 3) throw unavailable();
      await realBind(pod);
    });
    try {
      await client.kind("Pod").create(schedPod(ns, "eventually", { cpu: "100m" }));
      expect(await boundNode(client, ns, "eventually")).toBe("retry-1");
      expect(scheduler.metrics.bindFailures).toBe(3);
      const uid =
        (await client.kind("Pod").get("eventually", { namespace: ns })).metadata?.uid ?? "";
      await waitFor("the cache to confirm the binding", () =>
        scheduler.cache.node("retry-1")?.podCount === 1 && !scheduler.cache.isAssumed(uid)
          ? true
          : undefined,
      );
    } finally {
      await stop();
    }
  });

  it("drops a pod someone else bound meanwhile (FAILED_PRECONDITION)", async () => {
    const ns = "bind-conflict";
    await createNamespace(client, ns);
    await createNodes(client, [schedNode("mine", { labels: { pool: "a" } }), schedNode("theirs")]);
    const { scheduler, stop } = runScheduler(async (pod, realBind) => {
      // Another scheduler wins the race to the same pod.
      if (pod.name === "contested")
        await client
          .kind("Pod")
          .bind(pod.name, "theirs", { namespace: pod.namespace, uid: pod.uid });
      await realBind(pod);
    });
    try {
      await client
        .kind("Pod")
        .create(schedPod(ns, "contested", { spec: { nodeSelector: { pool: "a" } } }));
      expect(await boundNode(client, ns, "contested")).toBe("theirs");
      await waitFor("the conflict to be handled", () =>
        scheduler.metrics.bindConflicts === 1 ? true : undefined,
      );
      await waitFor("the cache to hold the pod where it is bound", () =>
        scheduler.cache.node("theirs")?.podCount === 1 &&
        scheduler.cache.node("mine")?.podCount === 0
          ? true
          : undefined,
      );
      expect(scheduler.queue.counts()).toEqual({
        active: 0,
        backoff: 0,
        unschedulable: 0,
        inFlight: 0,
      });
      expect(scheduler.metrics.scheduled).toBe(0);
    } finally {
      await stop();
    }
  });

  it("never binds a pod recreated under the same name to the old decision (uid precondition)", async () => {
    const ns = "bind-recreated";
    await createNamespace(client, ns);
    await createNodes(client, [schedNode("rc-1")]);
    let recreated = false;
    const { scheduler, stop } = runScheduler(async (pod, realBind) => {
      if (pod.name === "phoenix" && !recreated) {
        recreated = true;
        await client.kind("Pod").delete(pod.name, { namespace: pod.namespace });
        await client
          .kind("Pod")
          .create(schedPod(pod.namespace, pod.name, { labels: { generation: "2" } }));
      }
      await realBind(pod);
    });
    try {
      await client.kind("Pod").create(schedPod(ns, "phoenix"));
      await waitFor("the stale bind to be rejected", () =>
        scheduler.metrics.bindConflicts === 1 ? true : undefined,
      );
      // The new pod is scheduled on its own.
      expect(await boundNode(client, ns, "phoenix")).toBe("rc-1");
      const pod = await client.kind("Pod").get("phoenix", { namespace: ns });
      expect(pod.metadata?.labels).toEqual({ generation: "2" });
    } finally {
      await stop();
    }
  });
});
