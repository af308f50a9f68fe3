import { describe, expect, it } from "vitest";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import {
  REPLICA_FAILURE,
  calculateStatus,
  isPodAvailable,
  msUntilNextAvailable,
  statusChanged,
} from "./replica-set-status.js";

const NOW = 1_000_000_000;

function rs(minReadySeconds = 0, status?: Partial<ReplicaSet["status"]>): ReplicaSet {
  return ReplicaSet.fromPartial({
    metadata: { name: "web", namespace: "ns", generation: 3 },
    spec: {
      replicas: 3,
      minReadySeconds,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web", tier: "front" } } },
    },
    status,
  });
}

/** A pod Ready since `readyAgoMs` before NOW (undefined: not ready). */
function pod(labels: Record<string, string>, readyAgoMs?: number): Pod {
  return Pod.fromPartial({
    metadata: { labels },
    status: {
      phase: "Running",
      conditions: [
        {
          type: "Ready",
          status: readyAgoMs === undefined ? "False" : "True",
          lastTransitionTime: new Date(NOW - (readyAgoMs ?? 0)),
        },
      ],
    },
  });
}

const full = { app: "web", tier: "front" };

describe("isPodAvailable / msUntilNextAvailable", () => {
  it("is ready for longer than minReadySeconds", () => {
    expect(isPodAvailable(pod(full, 0), 0, NOW)).toBe(true);
    expect(isPodAvailable(pod(full), 0, NOW)).toBe(false);
    expect(isPodAvailable(pod(full, 9_000), 10, NOW)).toBe(false);
    expect(isPodAvailable(pod(full, 10_001), 10, NOW)).toBe(true);
  });
  it("tells when the next ready pod becomes available", () => {
    const pods = [pod(full, 20_000), pod(full, 4_000), pod(full, 7_000), pod(full)];
    expect(msUntilNextAvailable(pods, 10, NOW)).toBe(3_000);
    expect(msUntilNextAvailable(pods, 0, NOW)).toBeUndefined();
    expect(msUntilNextAvailable([pod(full, 20_000), pod(full)], 10, NOW)).toBeUndefined();
  });
});

describe("calculateStatus", () => {
  it("counts replicas, fully labeled, ready and available pods and the generation", () => {
    const pods = [pod(full, 60_000), pod(full, 1_000), pod({ app: "web" }, 60_000), pod(full)];
    expect(calculateStatus(rs(5), pods, undefined, NOW)).toEqual({
      replicas: 4,
      fullyLabeledReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 2,
      observedGeneration: 3,
      conditions: [],
    });
  });

  it("sets ReplicaFailure once on an error and removes it after a clean sync", () => {
    const failed = calculateStatus(rs(), [pod(full, 1)], new Error("quota exceeded"), NOW);
    expect(failed.conditions).toEqual([
      {
        type: REPLICA_FAILURE,
        status: "True",
        reason: "FailedCreate",
        message: "quota exceeded",
        lastTransitionTime: new Date(NOW),
      },
    ]);
    const stored = rs(0, failed);
    // A later error keeps the first condition as it was (as Kubernetes).
    const again = calculateStatus(stored, [pod(full, 1)], new Error("other"), NOW + 5_000);
    expect(again.conditions).toEqual(failed.conditions);
    expect(statusChanged(stored, again)).toBe(false);
    const tooMany = [1, 2, 3, 4].map(() => pod(full, 1));
    expect(calculateStatus(rs(), tooMany, new Error("x"), NOW).conditions[0]?.reason).toBe(
      "FailedDelete",
    );
    const clean = calculateStatus(stored, [pod(full, 1)], undefined, NOW);
    expect(clean.conditions).toEqual([]);
    expect(statusChanged(stored, clean)).toBe(true);
  });

  it("statusChanged notices every field, including a new generation", () => {
    const base = calculateStatus(rs(), [pod(full, 1)], undefined, NOW);
    const stored = rs(0, base);
    expect(statusChanged(stored, base)).toBe(false);
    expect(statusChanged(rs(), base)).toBe(true); // no status yet
    for (const change of [
      { replicas: 2 },
      { fullyLabeledReplicas: 0 },
      { readyReplicas: 0 },
      { availableReplicas: 0 },
      { observedGeneration: 4 },
    ])
      expect(statusChanged(stored, { ...base, ...change })).toBe(true);
  });
});
