import { describe, expect, it } from "vitest";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ContainerState } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import {
  emptyRuntimeState,
  type ContainerRecord,
  type PodRuntimeState,
} from "./pod-runtime-state.js";
import { computePodStatus, sameStatus, type StatusInputs } from "./pod-status.js";

const pod = (spec: Record<string, unknown> = {}): Pod =>
  Pod.fromPartial({
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "app", image: "blog:1" }], ...spec },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True" }] },
  });

const inputs = (over: Partial<StatusInputs> = {}): StatusInputs => ({
  runtimeName: "mock",
  podIP: "10.244.1.2",
  hostIP: "127.0.0.1",
  now: new Date(1_700_000_000_000),
  waiting: () => undefined,
  ready: () => true,
  started: () => true,
  ...over,
});

function rec(over: Partial<ContainerRecord>): ContainerRecord {
  return {
    id: "c0",
    sandboxId: "s1",
    name: "app",
    type: "regular",
    state: ContainerState.CONTAINER_STATE_RUNNING,
    restartCount: 0,
    hash: "",
    image: "blog:1",
    imageRef: "sha",
    createdAt: 1,
    startedAt: 1_700_000_000_000_000_000,
    finishedAt: 0,
    exitCode: 0,
    reason: "",
    message: "",
    ...over,
  };
}

function state(...runs: ContainerRecord[]): PodRuntimeState {
  const s = emptyRuntimeState("u1");
  s.sandboxes.push({ id: "s1", ready: true, attempt: 0, createdAt: 1 });
  for (const r of runs) s.containers.set(r.name, [...(s.containers.get(r.name) ?? []), r]);
  return s;
}

const cond = (p: { conditions: { type: string; status: string }[] }, type: string) =>
  p.conditions.find((c) => c.type === type)?.status;

describe("computePodStatus", () => {
  it("reports a pod being created as Pending with ContainerCreating", () => {
    const s = computePodStatus(pod(), state(), inputs());
    expect(s.phase).toBe("Pending");
    expect(s.containerStatuses[0]?.state?.state).toEqual({
      $case: "waiting",
      value: { reason: "ContainerCreating", message: "" },
    });
    expect(cond(s, "PodScheduled")).toBe("True");
    expect(cond(s, "Ready")).toBe("False");
  });

  it("reports a running, ready pod with its IPs and container id", () => {
    const s = computePodStatus(pod(), state(rec({})), inputs());
    expect(s).toMatchObject({ phase: "Running", podIP: "10.244.1.2", hostIP: "127.0.0.1" });
    expect(s.podIPs).toEqual([{ ip: "10.244.1.2" }]);
    expect(s.containerStatuses[0]).toMatchObject({
      ready: true,
      restartCount: 0,
      containerID: "mock://c0",
    });
    expect(cond(s, "Ready")).toBe("True");
    expect(cond(s, "ContainersReady")).toBe("True");
  });

  it("is not Ready while the readiness probe fails", () => {
    const s = computePodStatus(pod(), state(rec({})), inputs({ ready: () => false }));
    expect(s.phase).toBe("Running");
    expect(cond(s, "Ready")).toBe("False");
    expect(s.conditions.find((c) => c.type === "Ready")?.message).toBe(
      "containers with unready status: [app]",
    );
  });

  it("shows CrashLoopBackOff with the last run as lastState", () => {
    const crashed = rec({
      id: "c1",
      restartCount: 1,
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 1,
      finishedAt: 1_700_000_001_000_000_000,
    });
    const s = computePodStatus(
      pod(),
      state(crashed, rec({ id: "c0", state: ContainerState.CONTAINER_STATE_EXITED, exitCode: 1 })),
      inputs({ waiting: () => ({ reason: "CrashLoopBackOff", message: "back-off 10s" }) }),
    );
    const c = s.containerStatuses[0];
    expect(c?.state?.state).toEqual({
      $case: "waiting",
      value: { reason: "CrashLoopBackOff", message: "back-off 10s" },
    });
    expect(c?.lastState?.state?.$case).toBe("terminated");
    expect(c?.restartCount).toBe(1);
    expect(s.phase).toBe("Running");
  });

  it("reports Succeeded and Failed for finished pods that do not restart", () => {
    const ok = computePodStatus(
      pod({ restartPolicy: "Never" }),
      state(rec({ state: ContainerState.CONTAINER_STATE_EXITED, exitCode: 0 })),
      inputs(),
    );
    expect(ok.phase).toBe("Succeeded");
    const bad = computePodStatus(
      pod({ restartPolicy: "Never" }),
      state(rec({ state: ContainerState.CONTAINER_STATE_EXITED, exitCode: 3 })),
      inputs(),
    );
    expect(bad.phase).toBe("Failed");
    const t = bad.containerStatuses[0]?.state?.state;
    expect(t?.$case === "terminated" && t.value.exitCode).toBe(3);
    expect(t?.$case === "terminated" && t.value.reason).toBe("Error");
  });

  it("computes an identical status for an unchanged pod (nothing to write)", () => {
    const p = pod();
    const first = computePodStatus(p, state(rec({})), inputs());
    const again = computePodStatus(
      { ...p, status: first },
      state(rec({})),
      inputs({ now: new Date(1_800_000_000_000) }),
    );
    expect(sameStatus(first, again)).toBe(true);
  });
});
