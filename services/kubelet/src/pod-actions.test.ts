import { describe, expect, it } from "vitest";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ContainerState } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { containerHash } from "./container-config.js";
import { computePodActions, podFinished, type ActionInputs } from "./pod-actions.js";
import {
  emptyRuntimeState,
  type ContainerRecord,
  type PodRuntimeState,
} from "./pod-runtime-state.js";

const pod = (spec: Record<string, unknown> = {}): Pod =>
  Pod.fromPartial({
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "app", image: "blog:1" }], ...spec },
  });

const inputs = (over: Partial<ActionInputs> = {}): ActionInputs => ({
  now: 1_000_000,
  backoffRemaining: () => 0,
  backoffDelay: () => 0,
  probeFailed: () => false,
  ...over,
});

function run(p: Pod, name: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  const spec = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].find(
    (c) => c.name === name,
  );
  return {
    id: `${name}-${over.restartCount ?? 0}`,
    sandboxId: "s1",
    name,
    type: "regular",
    state: ContainerState.CONTAINER_STATE_RUNNING,
    restartCount: 0,
    hash: spec === undefined ? "" : containerHash(spec),
    image: spec?.image ?? "",
    imageRef: "",
    createdAt: 1,
    startedAt: 2,
    finishedAt: 0,
    exitCode: 0,
    reason: "",
    message: "",
    ...over,
  };
}

function stateWith(runs: ContainerRecord[], ready = true): PodRuntimeState {
  const s = emptyRuntimeState("u1");
  s.sandboxes.push({ id: "s1", ready, attempt: 0, createdAt: 1 });
  for (const r of runs) s.containers.set(r.name, [...(s.containers.get(r.name) ?? []), r]);
  return s;
}

describe("computePodActions", () => {
  it("creates a sandbox and starts every container of a new pod", () => {
    const a = computePodActions(pod(), emptyRuntimeState("u1"), inputs());
    expect(a.createSandbox).toBe(0);
    expect(a.startContainers.map((s) => [s.container.name, s.restartCount])).toEqual([["app", 0]]);
  });

  it("leaves a healthy running pod alone (adoption after a restart)", () => {
    const p = pod();
    const a = computePodActions(p, stateWith([run(p, "app")]), inputs());
    expect(a).toMatchObject({
      createSandbox: undefined,
      killPod: false,
      startContainers: [],
      killContainers: [],
    });
  });

  it("restarts an exited container under Always with the next restart count", () => {
    const p = pod();
    const exited = run(p, "app", {
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 1,
      finishedAt: 5e12,
    });
    const a = computePodActions(p, stateWith([exited]), inputs());
    expect(a.startContainers.map((s) => s.restartCount)).toEqual([1]);
  });

  it("waits out the crash-loop back-off", () => {
    const p = pod();
    const exited = run(p, "app", {
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 1,
      finishedAt: 5e12,
    });
    const a = computePodActions(
      p,
      stateWith([exited]),
      inputs({ backoffRemaining: () => 4000, backoffDelay: () => 10_000 }),
    );
    expect(a.startContainers).toEqual([]);
    expect(a.backingOff).toEqual([{ name: "app", remainingMs: 4000, delayMs: 10_000 }]);
  });

  it("does not restart a container that succeeded under OnFailure, and the pod is finished", () => {
    const p = pod({ restartPolicy: "OnFailure" });
    const done = run(p, "app", { state: ContainerState.CONTAINER_STATE_EXITED, exitCode: 0 });
    const s = stateWith([done]);
    expect(podFinished(p, s)).toBe(true);
    const a = computePodActions(p, s, inputs());
    expect(a.startContainers).toEqual([]);
    expect(a.killPod).toBe(true);
  });

  it("runs init containers one at a time, before the containers", () => {
    const p = pod({
      initContainers: [
        { name: "a", image: "x" },
        { name: "b", image: "x" },
      ],
    });
    let a = computePodActions(p, stateWith([]), inputs());
    expect(a.startContainers.map((s) => s.container.name)).toEqual(["a"]);
    const aDone = run(p, "a", {
      type: "init",
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 0,
    });
    a = computePodActions(p, stateWith([aDone]), inputs());
    expect(a.startContainers.map((s) => s.container.name)).toEqual(["b"]);
    const bRunning = run(p, "b", { type: "init" });
    a = computePodActions(p, stateWith([aDone, bRunning]), inputs());
    expect(a.startContainers).toEqual([]);
    const bDone = { ...bRunning, state: ContainerState.CONTAINER_STATE_EXITED, exitCode: 0 };
    a = computePodActions(p, stateWith([aDone, bDone]), inputs());
    expect(a.startContainers.map((s) => s.container.name)).toEqual(["app"]);
  });

  it("fails the pod when an init container fails under Never", () => {
    const p = pod({ restartPolicy: "Never", initContainers: [{ name: "a", image: "x" }] });
    const failed = run(p, "a", {
      type: "init",
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 2,
    });
    expect(podFinished(p, stateWith([failed]))).toBe(true);
  });

  it("replaces a running container whose spec changed", () => {
    const p = pod();
    const stale = run(p, "app", { hash: "0000" });
    const a = computePodActions(p, stateWith([stale]), inputs());
    expect(a.killContainers.map((k) => k.record.id)).toEqual([stale.id]);
    expect(a.startContainers.map((s) => s.restartCount)).toEqual([1]);
  });

  it("kills a container that failed its liveness probe", () => {
    const p = pod();
    const r = run(p, "app");
    const a = computePodActions(p, stateWith([r]), inputs({ probeFailed: (id) => id === r.id }));
    expect(a.killContainers.map((k) => k.record.id)).toEqual([r.id]);
    expect(a.startContainers).toEqual([]);
  });

  it("starts over in a new sandbox when the sandbox is lost", () => {
    const p = pod();
    const r = run(p, "app", { state: ContainerState.CONTAINER_STATE_EXITED, exitCode: 137 });
    const a = computePodActions(p, stateWith([r], false), inputs());
    expect(a.createSandbox).toBe(1);
    expect(a.startContainers.map((s) => s.restartCount)).toEqual([1]);
  });
});
