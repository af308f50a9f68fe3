import { describe, expect, it } from "vitest";
import { FakeClock } from "@k8ts/sdk";
import { podInfo } from "../testing/test-objects.js";
import type { ClusterEvent } from "./cluster-event.js";
import type { PodInfo } from "./pod-info.js";
import { SchedulingQueue, type QueuedPod } from "./scheduling-queue.js";

function setup(maxUnschedulableMs = 60_000) {
  const clock = new FakeClock(1000);
  const pluginEvents = new Map<string, ReadonlySet<ClusterEvent>>([
    ["NodeResourcesFit", new Set<ClusterEvent>(["NodeAdd", "AssignedPodDelete"])],
    ["TaintToleration", new Set<ClusterEvent>(["NodeAdd", "NodeUpdate"])],
  ]);
  const queue = new SchedulingQueue({
    initialBackoffMs: 100,
    maxBackoffMs: 1_000,
    maxUnschedulableMs,
    pluginEvents,
    clock,
  });
  const stop = new AbortController();
  queue.start(stop.signal);
  return { clock, queue, stop };
}

/** Pops at once (fails if nothing is active). */
async function popNow(queue: SchedulingQueue): Promise<QueuedPod> {
  let got: QueuedPod | undefined;
  const done = queue.pop().then((q) => (got = q));
  await Promise.resolve();
  await Promise.resolve();
  if (got === undefined) throw new Error(`nothing active: ${JSON.stringify(queue.counts())}`);
  await done;
  return got;
}

/** Pops everything active, in order, by name. */
async function drain(queue: SchedulingQueue): Promise<string[]> {
  const out: string[] = [];
  while (queue.counts().active > 0) out.push((await popNow(queue)).podInfo.name);
  return out;
}

describe("SchedulingQueue", () => {
  it("hands out higher priority first, then first come first served", async () => {
    const { queue } = setup();
    queue.add(podInfo("low-1", { priority: 0 }));
    queue.add(podInfo("high", { priority: 100 }));
    queue.add(podInfo("low-2", { priority: 0 }));
    queue.add(podInfo("mid", { priority: 10 }));
    expect(await drain(queue)).toEqual(["high", "mid", "low-1", "low-2"]);
  });

  it("pop() waits for a pod, and resolves undefined on abort or close", async () => {
    const { queue } = setup();
    const waiting = queue.pop();
    queue.add(podInfo("late"));
    expect((await waiting)?.podInfo.name).toBe("late");
    const abort = new AbortController();
    const aborted = queue.pop(abort.signal);
    abort.abort();
    expect(await aborted).toBeUndefined();
    const closing = queue.pop();
    queue.close();
    expect(await closing).toBeUndefined();
  });

  it("parks unschedulable pods until an event one of their rejecting plugins cares about", async () => {
    const { queue, clock } = setup();
    queue.add(podInfo("p"));
    const p = await popNow(queue);
    queue.requeueUnschedulable(p.podInfo.uid, new Set(["TaintToleration"]));
    expect(queue.counts()).toMatchObject({ active: 0, unschedulable: 1 });
    queue.onClusterEvent("AssignedPodDelete"); // cannot help a taint
    expect(queue.counts().unschedulable).toBe(1);
    clock.advance(500); // past its back-off
    queue.onClusterEvent("NodeUpdate");
    expect(queue.counts()).toMatchObject({ active: 1, unschedulable: 0 });
  });

  it("moves a helped pod through back-off when its back-off has not run out", async () => {
    const { queue, clock } = setup();
    queue.add(podInfo("p"));
    const p = await popNow(queue);
    queue.requeueUnschedulable(p.podInfo.uid, new Set(["NodeResourcesFit"]));
    queue.onClusterEvent("NodeAdd");
    expect(queue.counts()).toMatchObject({ backoff: 1, active: 0 });
    clock.advance(99);
    expect(queue.counts().active).toBe(0);
    clock.advance(1);
    expect(queue.counts()).toMatchObject({ backoff: 0, active: 1 });
  });

  it("doubles the back-off per attempt up to the maximum", async () => {
    const { queue, clock } = setup();
    expect([1, 2, 3, 4, 5, 6].map((n) => queue.backoffDuration(n))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    queue.add(podInfo("p"));
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const p = await popNow(queue);
      expect(p.attempts).toBe(attempt);
      queue.requeueAfterError(p.podInfo.uid);
      let waited = 0;
      while (queue.counts().active === 0) {
        clock.advance(10);
        waited += 10;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([100, 200, 400, 800, 1000]);
  });

  it("remembers events that happen while a pod is in flight", async () => {
    const { queue } = setup();
    queue.add(podInfo("p"));
    const p = await popNow(queue);
    queue.onClusterEvent("AssignedPodDelete"); // e.g. a pod went while we were deciding
    queue.requeueUnschedulable(p.podInfo.uid, new Set(["NodeResourcesFit"]));
    expect(queue.counts()).toMatchObject({ unschedulable: 0, backoff: 1 });
  });

  it("an irrelevant event in flight still parks the pod", async () => {
    const { queue } = setup();
    queue.add(podInfo("p"));
    const p = await popNow(queue);
    queue.onClusterEvent("AssignedPodDelete");
    queue.requeueUnschedulable(p.podInfo.uid, new Set(["TaintToleration"]));
    expect(queue.counts().unschedulable).toBe(1);
  });

  it("retries a pod whose spec or labels changed, not one whose status changed", async () => {
    const { queue, clock } = setup();
    const original: PodInfo = podInfo("p", { uid: "u1" });
    queue.add(original);
    const p = await popNow(queue);
    queue.requeueUnschedulable(p.podInfo.uid, new Set(["TaintToleration"]));
    clock.advance(1_000);
    queue.update(podInfo("p", { uid: "u1" }), false);
    expect(queue.counts().unschedulable).toBe(1);
    const relabelled = podInfo("p", { uid: "u1", labels: { fixed: "yes" } });
    queue.update(relabelled, true);
    expect(queue.counts()).toMatchObject({ unschedulable: 0, active: 1 });
    expect((await popNow(queue)).podInfo.labels).toEqual({ fixed: "yes" });
  });

  it("forgets deleted pods wherever they are, including in flight", async () => {
    const { queue } = setup();
    queue.add(podInfo("a", { uid: "a" }));
    queue.add(podInfo("b", { uid: "b" }));
    queue.delete("a");
    const b = await popNow(queue);
    queue.delete("b");
    queue.requeueUnschedulable(b.podInfo.uid, new Set());
    expect(queue.counts()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });

  it("keeps a newer version of an in-flight pod for its retry", async () => {
    const { queue, clock } = setup();
    queue.add(podInfo("p", { uid: "u" }));
    await popNow(queue);
    queue.update(podInfo("p", { uid: "u", labels: { v: "2" } }), true);
    queue.requeueAfterError("u");
    clock.advance(100);
    expect((await popNow(queue)).podInfo.labels).toEqual({ v: "2" });
  });

  it("retries long-unschedulable pods even without an event", async () => {
    const { queue, clock } = setup(1_000);
    queue.add(podInfo("p"));
    const p = await popNow(queue);
    queue.requeueUnschedulable(p.podInfo.uid, new Set(["TaintToleration"]));
    clock.advance(900);
    expect(queue.counts().unschedulable).toBe(1);
    clock.advance(700);
    expect(queue.counts()).toMatchObject({ unschedulable: 0, active: 1 });
  });

  it("puts an untried pod back without counting the attempt", async () => {
    const { queue } = setup();
    queue.add(podInfo("p", { uid: "u" }));
    await popNow(queue);
    queue.requeueUntried("u");
    expect((await popNow(queue)).attempts).toBe(1);
  });

  it("moves pods rejected for no plugin in particular (no nodes) on any event", async () => {
    const { queue, clock } = setup();
    queue.add(podInfo("p"));
    const p = await popNow(queue);
    queue.requeueUnschedulable(p.podInfo.uid, new Set());
    clock.advance(200);
    queue.onClusterEvent("NodeAdd");
    expect(queue.counts().active).toBe(1);
  });

  it("stops its timers on abort", () => {
    const { queue, clock, stop } = setup();
    stop.abort();
    queue.add(podInfo("p"));
    expect(clock.pendingTimers()).toBe(0);
  });
});
