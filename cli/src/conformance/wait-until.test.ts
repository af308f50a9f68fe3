import { describe, expect, it } from "vitest";
import { CheckFailure } from "./check-failure.js";
import { waitUntil } from "./wait-until.js";

describe("waitUntil", () => {
  it("returns once the probe is done", async () => {
    let n = 0;
    const v = await waitUntil(
      "three probes",
      () => Promise.resolve(++n === 3 ? { done: n } : { seen: n }),
      { timeoutMs: 5_000, signal: new AbortController().signal, intervalMs: 1 },
    );
    expect(v).toBe(3);
  });

  it("fails with what was last seen, errors included", async () => {
    let n = 0;
    const failure = await waitUntil(
      "state EXITED",
      () =>
        ++n % 2 === 0
          ? Promise.reject(new Error("UNAVAILABLE"))
          : Promise.resolve({ seen: "RUNNING" }),
      { timeoutMs: 100, signal: new AbortController().signal, intervalMs: 10 },
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CheckFailure);
    expect(failure).toMatchObject({
      message: "waited 0.10 s for state EXITED",
      expected: "state EXITED",
    });
    expect(["RUNNING", "UNAVAILABLE"]).toContain((failure as CheckFailure).seen);
  });
});
