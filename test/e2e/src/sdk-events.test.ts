// The event recorder against a real apiserver: repeats aggregate into one Event with a
// count; distinct events stay distinct; floods are dropped per object; an Event deleted
// meanwhile is written again; and a recorder that cannot reach the server never throws.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, EventRecorder, referenceTo } from "@k8ts/sdk";
import { createNamespace, pod } from "./api-objects.js";
import { RecordingLogger } from "./recording-logger.js";

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

async function eventsAbout(namespace: string, name: string) {
  const list = await client
    .kind("Event")
    .list({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe("EventRecorder", () => {
  it("aggregates identical events into one Event with a count", async () => {
    const ns = "events-aggregate";
    await createNamespace(client, ns);
    const web = await client.kind("Pod").create(pod(ns, "web"));
    const recorder = new EventRecorder({
      client,
      component: "test-controller",
      host: "node-1",
      reportingInstance: "test-controller-0",
    });
    const ref = referenceTo("Pod", web);
    for (let i = 0; i < 3; i++) recorder.event(ref, "Warning", "BackOff", "Back-off restarting");
    recorder.event(ref, "Normal", "Pulled", "Pulled image busybox");
    await recorder.flush();

    const events = await eventsAbout(ns, "web");
    expect(events.length).toBe(2);
    const backOff = events.find((e) => e.reason === "BackOff");
    expect(backOff?.count).toBe(3);
    expect(backOff?.type).toBe("Warning");
    expect(backOff?.message).toBe("Back-off restarting");
    expect(backOff?.metadata?.name.startsWith("web.")).toBe(true);
    expect(backOff?.involvedObject).toMatchObject({
      kind: "Pod",
      name: "web",
      namespace: ns,
      uid: web.metadata?.uid,
      apiVersion: "v1",
    });
    expect(backOff?.source).toEqual({ component: "test-controller", host: "node-1" });
    expect(backOff?.reportingComponent).toBe("test-controller");
    expect(backOff?.reportingInstance).toBe("test-controller-0");
    expect(backOff?.lastTimestamp?.getTime()).toBeGreaterThanOrEqual(
      backOff?.firstTimestamp?.getTime() ?? Infinity,
    );
    expect(events.find((e) => e.reason === "Pulled")?.count).toBe(1);

    // Later repeats keep counting on the same Event.
    recorder.event(ref, "Warning", "BackOff", "Back-off restarting");
    await recorder.flush();
    const again = await eventsAbout(ns, "web");
    expect(again.length).toBe(2);
    expect(again.find((e) => e.reason === "BackOff")?.count).toBe(4);
    expect(recorder.metrics).toMatchObject({ created: 2, dropped: 0, failed: 0 });
  });

  it("drops floods per object, and writes again an Event deleted meanwhile", async () => {
    const ns = "events-limits";
    await createNamespace(client, ns);
    const recorder = new EventRecorder({ client, component: "c", burstPerObject: 3 });
    const ref = { kind: "Pod", namespace: ns, name: "noisy" };
    for (let i = 0; i < 10; i++) recorder.event(ref, "Normal", "Tick", `tick ${i}`);
    await recorder.flush();
    expect((await eventsAbout(ns, "noisy")).length).toBe(3);
    expect(recorder.metrics.dropped).toBe(7);
    // Repeats of an Event already written still aggregate (they cost no new Event).
    recorder.event(ref, "Normal", "Tick", "tick 0");
    await recorder.flush();
    const tick0 = (await eventsAbout(ns, "noisy")).find((e) => e.message === "tick 0");
    expect(tick0?.count).toBe(2);

    await client.kind("Event").delete(tick0?.metadata?.name ?? "", { namespace: ns });
    recorder.event(ref, "Normal", "Tick", "tick 0");
    await recorder.flush();
    const rewritten = (await eventsAbout(ns, "noisy")).filter((e) => e.message === "tick 0");
    expect(rewritten.length).toBe(1);
    expect(rewritten[0]?.metadata?.name).not.toBe(tick0?.metadata?.name);
    expect(rewritten[0]?.count).toBe(3);
  });

  it("never throws when the apiserver is unreachable; failures are logged", async () => {
    const dead = new ApiClient({ server: "127.0.0.1:1", attempts: 1, deadlineMs: 2_000 });
    const log = new RecordingLogger();
    const recorder = new EventRecorder({ client: dead, component: "c", logger: log });
    expect(() =>
      recorder.event({ kind: "Node", name: "n1" }, "Warning", "NodeNotReady", "gone"),
    ).not.toThrow();
    await recorder.shutdown();
    expect(recorder.metrics.failed).toBe(1);
    expect(log.find("warn", "could not write an event").length).toBe(1);
    recorder.event({ kind: "Node", name: "n1" }, "Warning", "NodeNotReady", "after shutdown");
    await recorder.flush();
    expect(recorder.metrics.failed).toBe(1);
    dead.close();
  });
});
