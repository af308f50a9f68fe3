import { describe, expect, it } from "vitest";
import { Node, type Taint } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import {
  MESSAGE_UNKNOWN,
  REASON_NEVER_UPDATED,
  REASON_UNKNOWN,
  unknownConditions,
} from "./node-conditions.js";
import { TAINT_NOT_READY, TAINT_UNREACHABLE, reconcileTaints } from "./node-taints.js";

const now = new Date("2030-01-01T00:00:00Z");
const before = new Date("2029-01-01T00:00:00Z");
const taint = (key: string, effect: string, timeAdded?: Date): Taint => ({
  key,
  value: "",
  effect,
  timeAdded,
});

describe("reconcileTaints", () => {
  it("adds the unreachable taints for Ready=Unknown, keeping other taints", () => {
    const other = taint("dedicated", "NoSchedule");
    expect(reconcileTaints([other], "Unknown", { noExecute: true, now })).toEqual([
      other,
      taint(TAINT_UNREACHABLE, "NoSchedule", now),
      taint(TAINT_UNREACHABLE, "NoExecute", now),
    ]);
  });

  it("swaps unreachable for not-ready when the kubelet reports Ready=False, keeping timeAdded of what stays", () => {
    const current = [
      taint(TAINT_UNREACHABLE, "NoSchedule", before),
      taint(TAINT_UNREACHABLE, "NoExecute", before),
    ];
    expect(reconcileTaints(current, "False", { noExecute: true, now })).toEqual([
      taint(TAINT_NOT_READY, "NoSchedule", now),
      taint(TAINT_NOT_READY, "NoExecute", now),
    ]);
    expect(reconcileTaints(current, "Unknown", { noExecute: true, now })).toBeUndefined();
  });

  it("removes its taints when Ready=True, and withholds NoExecute in full disruption", () => {
    const current = [
      taint("dedicated", "NoExecute", before),
      taint(TAINT_UNREACHABLE, "NoSchedule", before),
      taint(TAINT_UNREACHABLE, "NoExecute", before),
    ];
    expect(reconcileTaints(current, "True", { noExecute: true, now })).toEqual([
      taint("dedicated", "NoExecute", before),
    ]);
    expect(reconcileTaints(current, "Unknown", { noExecute: false, now })).toEqual([
      taint("dedicated", "NoExecute", before),
      taint(TAINT_UNREACHABLE, "NoSchedule", before),
    ]);
    expect(reconcileTaints([], undefined, { noExecute: true, now })).toBeUndefined();
  });
});

describe("unknownConditions", () => {
  it("marks the kubelet's conditions Unknown, adds missing ones, keeps heartbeats", () => {
    const node = Node.fromPartial({
      metadata: { name: "n1", creationTimestamp: before },
      status: {
        conditions: [
          { type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: before },
          { type: "MemoryPressure", status: "Unknown", reason: "x" },
          { type: "NetworkUnavailable", status: "False" },
        ],
      },
    });
    const out = unknownConditions(node, now) ?? [];
    expect(out.find((c) => c.type === "Ready")).toEqual(
      expect.objectContaining({
        status: "Unknown",
        reason: REASON_UNKNOWN,
        message: MESSAGE_UNKNOWN,
        lastHeartbeatTime: before,
        lastTransitionTime: now,
      }),
    );
    expect(out.find((c) => c.type === "MemoryPressure")?.reason).toBe("x"); // already Unknown
    expect(out.find((c) => c.type === "NetworkUnavailable")?.status).toBe("False"); // not the kubelet's
    expect(out.find((c) => c.type === "DiskPressure")).toEqual(
      expect.objectContaining({ status: "Unknown", reason: REASON_NEVER_UPDATED }),
    );
    expect(
      unknownConditions(Node.fromPartial({ ...node, status: { conditions: out } }), now),
    ).toBeUndefined();
  });
});
