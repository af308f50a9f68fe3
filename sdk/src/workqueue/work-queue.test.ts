import { describe, expect, it } from "vitest";
import { FakeClock } from "../timing/fake-clock.js";
import { silentLogger } from "../logging/logger.js";
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from "./rate-limiter.js";
import { WorkQueue } from "./work-queue.js";
import { runWorkers } from "./run-workers.js";

/** Lets pending promise callbacks and I/O run until `check` holds (bounded). */
async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

function fakeQueue(baseMs = 5, maxMs = 1_000_000): { queue: WorkQueue; clock: FakeClock } {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({
    clock,
    rateLimiter: new ItemExponentialRateLimiter<string>(baseMs, maxMs),
  });
  return { queue, clock };
}

describe("WorkQueue", () => {
  it("queues a key once while it waits, in FIFO order", async () => {
    const { queue } = fakeQueue();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
    expect(queue.len()).toBe(0);
  });

  it("never hands a key being processed to a second worker; re-adds wait for done()", async () => {
    const { queue } = fakeQueue();
    queue.add("a");
    expect(await queue.get()).toBe("a");
    queue.add("a");
    queue.add("a");
    expect(queue.len()).toBe(0);
    let second: string | undefined;
    const waiting = queue.get().then((k) => (second = k));
    await new Promise((r) => setImmediate(r));
    expect(second).toBeUndefined();
    queue.done("a");
    await waiting;
    expect(second).toBe("a");
    queue.done("a");
    expect(queue.len()).toBe(0);
  });

  it("a waiting get() receives the next add", async () => {
    const { queue } = fakeQueue();
    const got = queue.get();
    queue.add("x");
    expect(await got).toBe("x");
  });

  it("backs off per key exponentially up to the cap; forget resets", async () => {
    const { queue, clock } = fakeQueue(5, 40);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      queue.addRateLimited("k");
      const start = clock.now();
      while (queue.len() === 0) clock.advance(1);
      delays.push(clock.now() - start);
      expect(await queue.get()).toBe("k");
      queue.done("k");
    }
    expect(delays).toEqual([5, 10, 20, 40, 40]);
    expect(queue.numRequeues("k")).toBe(5);
    queue.forget("k");
    expect(queue.numRequeues("k")).toBe(0);
    queue.addRateLimited("k");
    clock.advance(4);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
  });

  it("combines per-item back-off with an overall token bucket", () => {
    const clock = new FakeClock();
    const limiter = new MaxOfRateLimiter<string>(
      new ItemExponentialRateLimiter<string>(5, 1000),
      new BucketRateLimiter<string>(10, 2, clock),
    );
    // Two tokens of burst, then one per 100 ms; distinct keys have no per-item delay yet.
    expect([limiter.when("a"), limiter.when("b"), limiter.when("c"), limiter.when("d")]).toEqual([
      5, 5, 100, 200,
    ]);
    clock.advance(1000);
    expect(limiter.when("e")).toBe(5);
    expect(limiter.when("a")).toBe(10);
  });

  it("addAfter keeps the earliest time for a key and adds it once", () => {
    const { queue, clock } = fakeQueue();
    queue.addAfter("a", 100);
    queue.addAfter("a", 50);
    queue.addAfter("a", 200);
    clock.advance(49);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);
    clock.advance(500);
    expect(queue.len()).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("shutDown releases waiting getters, drops queued and delayed keys, clears timers", async () => {
    const { queue, clock } = fakeQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    const q2 = fakeQueue();
    q2.queue.add("a");
    q2.queue.addAfter("b", 1000);
    q2.queue.shutDown();
    expect(q2.clock.pendingTimers()).toBe(0);
    expect(await q2.queue.get()).toBeUndefined();
    q2.queue.add("c");
    expect(q2.queue.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("get() resolves undefined when its signal aborts", async () => {
    const { queue } = fakeQueue();
    const ac = new AbortController();
    const waiting = queue.get(ac.signal);
    ac.abort();
    expect(await waiting).toBeUndefined();
    // The aborted getter is gone: the next key goes to the next getter.
    queue.add("a");
    expect(await queue.get()).toBe("a");
  });

  it("shutDownWithDrain hands out queued keys, requeues dirty ones, then resolves", async () => {
    const { queue } = fakeQueue();
    queue.add("a");
    queue.add("b");
    expect(await queue.get()).toBe("a");
    queue.add("a"); // dirty while processing: still processed during the drain
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    queue.add("c"); // ignored
    expect(await queue.get()).toBe("b");
    queue.done("b");
    queue.done("a");
    expect(drained).toBe(false);
    expect(await queue.get()).toBe("a");
    const afterLast = queue.get();
    queue.done("a");
    await drain;
    expect(drained).toBe(true);
    expect(await afterLast).toBeUndefined();
    expect(await queue.get()).toBeUndefined();
  });
});

describe("runWorkers", () => {
  it("never runs one key in two workers and processes the last add of every key", async () => {
    const queue = new WorkQueue<string>();
    const ac = new AbortController();
    const inFlight = new Set<string>();
    const seen = new Map<string, number>();
    const version = new Map<string, number>();
    let overlaps = 0;
    const workers = runWorkers(
      queue,
      8,
      async (key) => {
        if (inFlight.has(key)) overlaps++;
        inFlight.add(key);
        const v = version.get(key) ?? 0;
        await new Promise((r) => setImmediate(r));
        seen.set(key, v);
        inFlight.delete(key);
      },
      ac.signal,
    );
    for (let round = 1; round <= 50; round++) {
      for (let k = 0; k < 5; k++) {
        version.set(`k${k}`, round);
        queue.add(`k${k}`);
      }
      await new Promise((r) => setImmediate(r));
    }
    await until("every key processed at its last version", () =>
      [0, 1, 2, 3, 4].every((k) => seen.get(`k${k}`) === 50),
    );
    expect(overlaps).toBe(0);
    ac.abort();
    await workers;
  });

  it("retries a failing key with back-off and forgets it on success", async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({
      clock,
      rateLimiter: new ItemExponentialRateLimiter<string>(5, 1000),
    });
    const ac = new AbortController();
    let attempts = 0;
    const workers = runWorkers(
      queue,
      2,
      (key) => {
        attempts++;
        if (attempts < 3) throw new Error(`fail ${key} #${attempts}`);
      },
      ac.signal,
      { logger: silentLogger },
    );
    queue.add("x");
    await until("first attempt", () => attempts === 1);
    expect(queue.numRequeues("x")).toBe(1);
    clock.advance(5);
    await until("second attempt", () => attempts === 2);
    clock.advance(9);
    await new Promise((r) => setImmediate(r));
    expect(attempts).toBe(2);
    clock.advance(1);
    await until("third attempt", () => attempts === 3);
    await until("forgotten after success", () => queue.numRequeues("x") === 0);
    ac.abort();
    await workers;
  });

  it("stops on the signal: the handler in progress sees it and its key is kept", async () => {
    const queue = new WorkQueue<string>();
    const ac = new AbortController();
    let started = false;
    const workers = runWorkers(
      queue,
      3,
      (_key, signal) =>
        new Promise<void>((_resolve, reject) => {
          started = true;
          signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
        }),
      ac.signal,
      { logger: silentLogger },
    );
    queue.add("slow");
    await until("handler started", () => started);
    ac.abort();
    await workers;
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe("slow");
  });
});
