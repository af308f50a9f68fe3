import { describe, expect, it } from "vitest";
import { slowStartBatch } from "./slow-start.js";

/** Runs slowStartBatch recording the size of each batch (calls started together). */
async function run(
  count: number,
  failAt: (call: number) => boolean = () => false,
): Promise<{ successes: number; error?: Error; batches: number[]; calls: number }> {
  const batches: number[] = [];
  let open = false;
  let calls = 0;
  const result = await slowStartBatch(count, 1, async () => {
    const call = ++calls;
    // The calls of one batch start in the same tick, before any of them resumes.
    if (!open) batches.push(0);
    open = true;
    batches[batches.length - 1] = (batches.at(-1) ?? 0) + 1;
    await Promise.resolve();
    open = false;
    if (failAt(call)) throw new Error(`call ${call} failed`);
  });
  return { ...result, batches, calls };
}

describe("slowStartBatch", () => {
  it("runs batches of 1, 2, 4, ... up to the count", async () => {
    const r = await run(20);
    expect(r.batches).toEqual([1, 2, 4, 8, 5]);
    expect(r.successes).toBe(20);
    expect(r.error).toBeUndefined();
  });

  it("stops after the first batch with a failure and reports its first error", async () => {
    const r = await run(20, (call) => call === 5 || call === 6);
    // Batches 1 (call 1), 2 (calls 2-3), 4 (calls 4-7, two fail); nothing after.
    expect(r.calls).toBe(7);
    expect(r.successes).toBe(5);
    expect(r.error?.message).toBe("call 5 failed");
  });

  it("a template that always fails costs one call", async () => {
    const r = await run(500, () => true);
    expect(r.calls).toBe(1);
    expect(r.successes).toBe(0);
  });

  it("does nothing for zero", async () => {
    const r = await run(0);
    expect(r.calls).toBe(0);
    expect(r.successes).toBe(0);
  });
});
