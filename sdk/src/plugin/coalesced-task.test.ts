import { describe, expect, it } from "vitest";
import { waitFor } from "../timing/wait-for.js";
import { CoalescedTask } from "./coalesced-task.js";

describe("CoalescedTask", () => {
  it("runs a burst of requests made during a run once more, not once each", async () => {
    // Each run waits until the test finishes it.
    const finishers: Array<() => void> = [];
    const task = new CoalescedTask(
      () => new Promise<void>((resolve) => finishers.push(resolve)),
      () => undefined,
    );
    task.request();
    const waits = [task.requestAndWait(), task.requestAndWait(), task.requestAndWait()];
    expect(finishers).toHaveLength(1);
    finishers[0]?.();
    await waitFor("the second run", () => (finishers.length === 2 ? true : undefined));
    finishers[1]?.();
    await Promise.all(waits);
    await task.idle();
    expect(finishers).toHaveLength(2);
  });

  it("rejects the waiters of a failed run and reports failures nobody awaits", async () => {
    const reported: unknown[] = [];
    let fail = true;
    const task = new CoalescedTask(
      () => (fail ? Promise.reject(new Error("disk full")) : Promise.resolve()),
      (err) => reported.push(err),
    );
    await expect(task.requestAndWait()).rejects.toThrow("disk full");
    expect(reported).toEqual([]);
    task.request();
    await task.idle();
    expect(reported).toHaveLength(1);
    fail = false;
    await task.requestAndWait();
  });
});
