import { describe, expect, it } from "vitest";
import { FakeClock } from "@k8ts/sdk";
import { NodeLeaseTracker } from "./node-lease-tracker.js";

const options = { gracePeriodMs: 2_000, startupGracePeriodMs: 10_000 };

describe("NodeLeaseTracker", () => {
  it("judges a node by when its Lease's resourceVersion last changed, on the local clock", () => {
    const clock = new FakeClock(1_000);
    const t = new NodeLeaseTracker(clock, options);
    expect(t.observe("n1", "5")).toBe("fresh");
    clock.advance(1_500);
    expect(t.observe("n1", "6")).toBe("fresh"); // renewed: counts from now
    clock.advance(2_000);
    expect(t.observe("n1", "6")).toBe("fresh"); // exactly the grace period
    clock.advance(1);
    expect(t.observe("n1", "6")).toBe("expired");
    expect(t.observe("n1", "7")).toBe("fresh"); // renewed again
  });

  it("gives a node first seen with an old Lease a full grace period (a new term)", () => {
    const clock = new FakeClock(50_000);
    const t = new NodeLeaseTracker(clock, options);
    // Whatever renewTime the Lease carries, only our observation counts.
    expect(t.observe("n1", "100")).toBe("fresh");
    clock.advance(2_001);
    expect(t.observe("n1", "100")).toBe("expired");
  });

  it("judges a node without a Lease from when it was first seen, with the startup grace", () => {
    const clock = new FakeClock();
    const t = new NodeLeaseTracker(clock, options);
    expect(t.observe("n1", undefined)).toBe("fresh");
    clock.advance(9_000);
    expect(t.observe("n1", undefined)).toBe("fresh");
    clock.advance(1_001);
    expect(t.observe("n1", undefined)).toBe("expired");
    // A Lease that appears counts from then, with the ordinary grace.
    expect(t.observe("n1", "1")).toBe("fresh");
    clock.advance(2_001);
    // A Lease deleted later leaves the node judged by its last change.
    expect(t.observe("n1", undefined)).toBe("expired");
  });

  it("restarts every node's grace on restartAll and forgets deleted nodes", () => {
    const clock = new FakeClock();
    const t = new NodeLeaseTracker(clock, options);
    t.observe("n1", "1");
    t.observe("n2", undefined);
    clock.advance(20_000);
    expect(t.observe("n1", "1")).toBe("expired");
    expect(t.observe("n2", undefined)).toBe("expired");
    t.restartAll();
    expect(t.observe("n1", "1")).toBe("fresh");
    expect(t.observe("n2", undefined)).toBe("fresh");
    t.forget("n1");
    expect(t.nodes()).toEqual(["n2"]);
  });
});
