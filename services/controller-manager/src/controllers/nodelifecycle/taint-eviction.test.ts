import { describe, expect, it } from "vitest";
import { Toleration } from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from "./node-taints.js";
import { toleratesTaint } from "@k8ts/sdk";
import { evictionTime, withDefaultTolerations } from "./taint-eviction.js";

const tol = (t: Partial<Toleration>): Toleration => ({ ...Toleration.fromPartial({}), ...t });
const unreachable = { key: TAINT_UNREACHABLE, value: "", effect: "NoExecute" };
const notReady = { key: TAINT_NOT_READY, value: "", effect: "NoExecute" };
const dedicated = { key: "dedicated", value: "db", effect: "NoExecute" };

describe("toleratesTaint", () => {
  it("matches key, value and effect as Kubernetes does", () => {
    expect(toleratesTaint(tol({ key: TAINT_UNREACHABLE, operator: "Exists" }), unreachable)).toBe(
      true,
    );
    expect(toleratesTaint(tol({ operator: "Exists" }), dedicated)).toBe(true); // empty key
    expect(toleratesTaint(tol({ key: "dedicated", value: "db" }), dedicated)).toBe(true); // Equal
    expect(
      toleratesTaint(tol({ key: "dedicated", operator: "Equal", value: "web" }), dedicated),
    ).toBe(false);
    expect(
      toleratesTaint(
        tol({ key: "dedicated", operator: "Exists", effect: "NoSchedule" }),
        dedicated,
      ),
    ).toBe(false);
    expect(toleratesTaint(tol({ key: "other", operator: "Exists" }), dedicated)).toBe(false);
  });
});

describe("withDefaultTolerations", () => {
  it("adds not-ready and unreachable tolerations with the default seconds when missing", () => {
    expect(withDefaultTolerations([], 300)).toEqual([
      tol({
        key: TAINT_NOT_READY,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      }),
      tol({
        key: TAINT_UNREACHABLE,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      }),
    ]);
  });

  it("keeps the pod's own toleration of a taint instead of adding the default", () => {
    const own = tol({ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoExecute" });
    expect(withDefaultTolerations([own], 300)).toEqual([
      own,
      tol({
        key: TAINT_NOT_READY,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 300,
      }),
    ]);
    const everything = tol({ operator: "Exists" });
    expect(withDefaultTolerations([everything], 300)).toEqual([everything]);
  });
});

describe("evictionTime", () => {
  const t0 = 1_000_000;
  it("evicts at once for a NoExecute taint the pod does not tolerate", () => {
    expect(evictionTime([], [{ taint: dedicated, addedAtMs: t0 }])).toBe(Number.NEGATIVE_INFINITY);
  });

  it("evicts tolerationSeconds after the taint was added", () => {
    const tolerations = withDefaultTolerations([], 2);
    expect(evictionTime(tolerations, [{ taint: unreachable, addedAtMs: t0 }])).toBe(t0 + 2_000);
  });

  it("never evicts for a toleration without tolerationSeconds", () => {
    const tolerations = withDefaultTolerations(
      [tol({ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoExecute" })],
      2,
    );
    expect(evictionTime(tolerations, [{ taint: unreachable, addedAtMs: t0 }])).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it("takes the earliest deadline of several taints and the shortest matching toleration", () => {
    const tolerations = [
      tol({ key: TAINT_NOT_READY, operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }),
      tol({ key: "dedicated", operator: "Exists", tolerationSeconds: 30 }),
      tol({ operator: "Exists", tolerationSeconds: 100 }),
    ];
    expect(
      evictionTime(tolerations, [
        { taint: notReady, addedAtMs: t0 },
        { taint: dedicated, addedAtMs: t0 + 40_000 },
      ]),
    ).toBe(t0 + 60_000);
    // Zero or negative seconds: at the time the taint was added.
    expect(
      evictionTime(
        [tol({ operator: "Exists", tolerationSeconds: -5 })],
        [{ taint: dedicated, addedAtMs: t0 }],
      ),
    ).toBe(t0);
  });

  it("ignores taints other than NoExecute", () => {
    expect(
      evictionTime([], [{ taint: { ...dedicated, effect: "NoSchedule" }, addedAtMs: t0 }]),
    ).toBe(Number.POSITIVE_INFINITY);
  });
});
