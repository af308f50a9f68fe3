import { describe, expect, it } from "vitest";
import { FakeClock } from "@k8ts/sdk";
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS } from "./expectations.js";

describe("ControllerExpectations", () => {
  it("an owner without expectations may be synced", () => {
    const e = new ControllerExpectations(new FakeClock());
    expect(e.satisfied("ns/web")).toBe(true);
    expect(e.pending("ns/web")).toBeUndefined();
    // Observations without expectations change nothing.
    e.creationObserved("ns/web");
    e.deletionObserved("ns/web", "ns/web-1");
    expect(e.satisfied("ns/web")).toBe(true);
  });

  it("waits until every expected creation was observed or given up", () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations("ns/web", 3);
    expect(e.satisfied("ns/web")).toBe(false);
    e.creationObserved("ns/web");
    expect(e.pending("ns/web")).toEqual({ creates: 2, deletes: 0 });
    e.creationObserved("ns/web", 2); // e.g. two creates that failed
    expect(e.satisfied("ns/web")).toBe(true);
    // Other owners are independent.
    e.expectCreations("ns/db", 1);
    expect(e.satisfied("ns/web")).toBe(true);
    expect(e.satisfied("ns/db")).toBe(false);
    expect(e.unsatisfiedCount()).toBe(1);
  });

  it("counts only the deletions it asked for, once each", () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectDeletions("ns/web", ["ns/web-1", "ns/web-2"]);
    e.deletionObserved("ns/web", "ns/other");
    e.deletionObserved("ns/web", "ns/web-1");
    e.deletionObserved("ns/web", "ns/web-1"); // terminating, then gone
    expect(e.satisfied("ns/web")).toBe(false);
    e.deletionObserved("ns/web", "ns/web-2");
    expect(e.satisfied("ns/web")).toBe(true);
  });

  it("expires after the timeout so a lost event cannot block an owner forever", () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock);
    e.expectCreations("ns/web", 2);
    expect(e.msUntilExpiry("ns/web")).toBe(EXPECTATIONS_TIMEOUT_MS);
    clock.advance(EXPECTATIONS_TIMEOUT_MS - 1);
    expect(e.satisfied("ns/web")).toBe(false);
    expect(e.msUntilExpiry("ns/web")).toBe(1);
    clock.advance(1);
    expect(e.satisfied("ns/web")).toBe(true);
    expect(e.msUntilExpiry("ns/web")).toBe(0);
    // New expectations start a new period.
    e.expectDeletions("ns/web", ["ns/web-1"]);
    expect(e.satisfied("ns/web")).toBe(false);
  });

  it("forgets a deleted owner", () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations("ns/web", 1);
    e.delete("ns/web");
    expect(e.satisfied("ns/web")).toBe(true);
    expect(e.pending("ns/web")).toBeUndefined();
  });
});
