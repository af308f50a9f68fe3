import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";
import { sleep } from "./clock.js";
import { FakeClock } from "./fake-clock.js";
import { TokenBucket } from "./token-bucket.js";

describe("Backoff", () => {
  it("doubles up to the cap, jitters above the base, resets", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, new FakeClock(), () => 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      150, 300, 600, 1200, 1500, 1500,
    ]);
    b.reset();
    expect(b.next()).toBe(150);
  });
});

describe("TokenBucket", () => {
  it("hands out the burst, then reservations at the rate", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 2, clock);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 100]);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(300);
    expect(bucket.tryTake()).toBe(true);
  });
});

describe("sleep", () => {
  it("resolves true after the time, false at once on abort, clearing its timer", async () => {
    const clock = new FakeClock();
    const done = sleep(50, undefined, clock);
    clock.advance(50);
    expect(await done).toBe(true);
    const ac = new AbortController();
    const cut = sleep(50, ac.signal, clock);
    ac.abort();
    expect(await cut).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    expect(await sleep(10, ac.signal, clock)).toBe(false);
  });
});
