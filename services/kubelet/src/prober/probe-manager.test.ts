import http from "node:http";
import type { AddressInfo } from "node:net";
import { FakeClock } from "@k8ts/sdk";
import { Container, Probe } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ExecSyncResponse } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { Metadata, status as grpcStatus } from "@grpc/grpc-js";
import { describe, expect, it, vi } from "vitest";
import type { ProbeFailure } from "./container-probes.js";
import type { ExecSyncRuntime } from "./exec-probe.js";
import { ProbeManager } from "./probe-manager.js";

// Exec probes run ["check", <name>]; the fake runtime answers with the exit code set for
// <name> (or an error), and counts calls per container id and name.
class FakeRuntime implements ExecSyncRuntime {
  readonly exitCodes = new Map<string, number | "unavailable">();
  readonly calls: Array<{ containerId: string; name: string; signal: AbortSignal | undefined }> =
    [];
  /** While set, calls never answer (until aborted). */
  hold = false;

  execSync(
    containerId: string,
    cmd: readonly string[],
    _timeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<ExecSyncResponse> {
    const name = cmd[1] ?? "";
    this.calls.push({ containerId, name, signal });
    const answer = (): Promise<ExecSyncResponse> => {
      const code = this.exitCodes.get(name) ?? 0;
      if (code === "unavailable")
        return Promise.reject(
          Object.assign(new Error("14 UNAVAILABLE: restarting"), {
            code: grpcStatus.UNAVAILABLE,
            details: "restarting",
            metadata: new Metadata(),
          }),
        );
      return Promise.resolve(
        ExecSyncResponse.fromPartial({
          exitCode: code,
          stdout: Buffer.from(`${name} says ${code}`),
        }),
      );
    };
    if (!this.hold) return answer();
    // As the real client: nothing until the call is cancelled.
    return new Promise((_resolve, reject) =>
      signal?.addEventListener("abort", () => reject(new Error("1 CANCELLED")), { once: true }),
    );
  }

  count(name: string, containerId?: string): number {
    return this.calls.filter(
      (c) => c.name === name && (containerId === undefined || c.containerId === containerId),
    ).length;
  }
}

const execProbe = (name: string, over: Partial<Probe> = {}): Probe => ({
  ...Probe.fromPartial({
    handler: { $case: "exec", value: { command: ["check", name] } },
    periodSeconds: 10,
  }),
  ...over,
});

function pod(container: Partial<Container>, metadata: Partial<ObjectMeta> = {}): Pod {
  const p = Pod.fromPartial({
    metadata: { uid: "uid-1", name: "web", namespace: "default" },
    spec: { terminationGracePeriodSeconds: 30 },
  });
  if (p.metadata !== undefined) Object.assign(p.metadata, metadata);
  p.spec?.containers.push({
    ...Container.fromPartial({ name: "app", image: "busybox" }),
    ...container,
  });
  return p;
}

interface Harness {
  clock: FakeClock;
  runtime: FakeRuntime;
  manager: ProbeManager;
  failures: Array<{ containerId: string; message: string; failure: ProbeFailure }>;
  changes: string[];
  events: Array<{ reason: string; message: string; container: string }>;
  /** Lets pending promises (fake exec answers) run. */
  settle(): Promise<void>;
  /**
   * Advances the clock by `ms` and lets what fired finish, including attempts it schedules
   * for "now" (as a real clock would run them at once).
   */
  advance(ms: number): Promise<void>;
}

function harness(): Harness {
  const clock = new FakeClock(1_000_000);
  const runtime = new FakeRuntime();
  const failures: Harness["failures"] = [];
  const changes: string[] = [];
  const events: Harness["events"] = [];
  const manager = new ProbeManager({
    runtime,
    clock,
    wallClock: () => clock.now(),
    startJitterMs: 0,
    onLivenessFailure: (_uid, _name, containerId, message, failure) =>
      failures.push({ containerId, message, failure }),
    onResultChange: (uid) => changes.push(uid),
    recordEvent: (_pod, container, reason, message) => events.push({ reason, message, container }),
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    clock,
    runtime,
    manager,
    failures,
    changes,
    events,
    settle,
    advance: async (ms) => {
      clock.advance(ms);
      await settle();
      for (let i = 0; i < 3; i++) {
        clock.advance(0);
        await settle();
      }
    },
  };
}

const target = (p: Pod, containerId: string, startedAtMs: number) => ({
  pod: p,
  containerName: "app",
  containerId,
  podIP: "10.0.0.5",
  startedAtMs,
});

describe("ProbeManager", () => {
  it("keeps nothing, not even a timer, for a container without probes", () => {
    const h = harness();
    h.manager.addContainer(target(pod({}), "c1", h.clock.now()));
    expect(h.manager.size).toBe(0);
    expect(h.clock.pendingTimers()).toBe(0);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(true);
    expect(h.manager.started("uid-1", "app", "c1")).toBe(true);
    expect(h.manager.probeFailed("c1")).toBe(false);
  });

  it("reports readiness false until the probe succeeds, then flips only after the thresholds", async () => {
    const h = harness();
    h.runtime.exitCodes.set("ready", 1);
    const p = pod({
      readinessProbe: execProbe("ready", { successThreshold: 2, failureThreshold: 2 }),
    });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(false);
    expect(h.clock.pendingTimers()).toBe(1);

    await h.advance(0);
    expect(h.runtime.count("ready")).toBe(1);
    expect(h.events).toEqual([
      { reason: "Unhealthy", message: "Readiness probe failed: ready says 1", container: "app" },
    ]);

    h.runtime.exitCodes.set("ready", 0);
    await h.advance(10_000);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(false); // one success of two
    await h.advance(10_000);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(true);
    expect(h.changes).toEqual(["uid-1"]);

    h.runtime.exitCodes.set("ready", 1);
    await h.advance(10_000);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(true); // one failure of two
    await h.advance(10_000);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(false);
    expect(h.changes).toEqual(["uid-1", "uid-1"]);
    expect(h.runtime.count("ready")).toBe(5);
  });

  it("waits initialDelaySeconds after the container started", async () => {
    const h = harness();
    const p = pod({ readinessProbe: execProbe("ready", { initialDelaySeconds: 5 }) });
    // Started two seconds ago: three seconds to go.
    h.manager.addContainer(target(p, "c1", h.clock.now() - 2000));
    await h.advance(2999);
    expect(h.runtime.count("ready")).toBe(0);
    await h.advance(1);
    expect(h.runtime.count("ready")).toBe(1);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(true);
  });

  it("reports a liveness failure once after failureThreshold, with the grace period, then holds", async () => {
    const h = harness();
    h.runtime.exitCodes.set("alive", 3);
    const p = pod({
      livenessProbe: execProbe("alive", { failureThreshold: 3, terminationGracePeriodSeconds: 7 }),
    });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(true); // no readiness probe
    await h.advance(0);
    await h.advance(10_000);
    expect(h.failures).toEqual([]);
    expect(h.manager.probeFailed("c1")).toBe(false);
    await h.advance(10_000);
    expect(h.failures).toEqual([
      {
        containerId: "c1",
        message: "Container app failed liveness probe, will be restarted",
        failure: { kind: "liveness", output: "alive says 3", gracePeriodSeconds: 7 },
      },
    ]);
    expect(h.manager.probeFailed("c1")).toBe(true);
    expect(h.events.map((e) => e.message)).toEqual(
      Array(3).fill("Liveness probe failed: alive says 3"),
    );
    // On hold until the container is replaced.
    expect(h.clock.pendingTimers()).toBe(0);
    await h.advance(60_000);
    expect(h.runtime.count("alive")).toBe(3);
    expect(h.failures).toHaveLength(1);
  });

  it("resets the probes for a new container id and ignores a repeated one", async () => {
    const h = harness();
    h.runtime.exitCodes.set("alive", 1);
    const p = pod({
      livenessProbe: execProbe("alive", { failureThreshold: 1 }),
      readinessProbe: execProbe("ready"),
    });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    expect(h.clock.pendingTimers()).toBe(2);
    await h.advance(0);
    expect(h.manager.probeFailed("c1")).toBe(true);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(true);

    // The kubelet restarted it: c2 starts from scratch, c1 is no longer probed.
    h.runtime.exitCodes.set("alive", 0);
    expect(h.manager.ready("uid-1", "app", "c2")).toBe(false);
    h.manager.addContainer(target(p, "c2", h.clock.now()));
    expect(h.manager.probeFailed("c1")).toBe(false);
    expect(h.manager.ready("uid-1", "app", "c2")).toBe(false);
    await h.advance(0);
    await h.advance(10_000);
    expect(h.manager.ready("uid-1", "app", "c2")).toBe(true);
    expect(h.manager.probeFailed("c2")).toBe(false);
    expect(h.runtime.count("ready", "c1")).toBe(1);
    expect(h.runtime.count("alive", "c2")).toBe(2);
    expect(h.manager.size).toBe(1);
  });

  it("runs liveness and readiness only once the startup probe succeeded, which then stops", async () => {
    const h = harness();
    h.runtime.exitCodes.set("startup", 1);
    const p = pod({
      startupProbe: execProbe("startup", { failureThreshold: 30, periodSeconds: 1 }),
      livenessProbe: execProbe("alive"),
      readinessProbe: execProbe("ready"),
    });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    expect(h.manager.started("uid-1", "app", "c1")).toBe(false);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(false);
    await h.advance(0);
    await h.advance(1000);
    expect(h.runtime.count("startup")).toBe(2);
    expect(h.runtime.count("alive") + h.runtime.count("ready")).toBe(0);

    h.runtime.exitCodes.set("startup", 0);
    await h.advance(1000);
    expect(h.manager.started("uid-1", "app", "c1")).toBe(true);
    // Readiness and liveness ran at once.
    expect(h.runtime.count("ready")).toBe(1);
    expect(h.runtime.count("alive")).toBe(1);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(true);
    expect(h.changes.length).toBeGreaterThanOrEqual(2);

    for (let i = 0; i < 3; i++) await h.advance(10_000);
    expect(h.runtime.count("startup")).toBe(3);
    expect(h.runtime.count("ready")).toBe(4);
  });

  it("treats startup failure like liveness failure", async () => {
    const h = harness();
    h.runtime.exitCodes.set("startup", 1);
    const p = pod({
      startupProbe: execProbe("startup", { failureThreshold: 2, periodSeconds: 1 }),
      livenessProbe: execProbe("alive"),
    });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    await h.advance(0);
    await h.advance(1000);
    expect(h.failures).toEqual([
      {
        containerId: "c1",
        message: "Container app failed startup probe, will be restarted",
        failure: { kind: "startup", output: "startup says 1", gracePeriodSeconds: 30 },
      },
    ]);
    expect(h.manager.started("uid-1", "app", "c1")).toBe(false);
    expect(h.runtime.count("alive")).toBe(0);
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it("does not count an attempt that could not run, and says so in an event", async () => {
    const h = harness();
    h.runtime.exitCodes.set("alive", "unavailable");
    const p = pod({ livenessProbe: execProbe("alive", { failureThreshold: 1 }) });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    await h.advance(0);
    await h.advance(10_000);
    expect(h.runtime.count("alive")).toBe(2);
    expect(h.manager.probeFailed("c1")).toBe(false);
    expect(h.events[0]?.message).toMatch(
      /^Liveness probe errored and resulted in unknown state: exec in container c1: /,
    );
  });

  it("stops liveness probes of a pod being deleted but keeps readiness going", async () => {
    const h = harness();
    const p = pod({ livenessProbe: execProbe("alive"), readinessProbe: execProbe("ready") });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    await h.advance(0);
    const deleting = pod(
      { livenessProbe: execProbe("alive"), readinessProbe: execProbe("ready") },
      { uid: "uid-1", deletionTimestamp: new Date() },
    );
    h.manager.addContainer(target(deleting, "c1", h.clock.now()));
    h.runtime.exitCodes.set("alive", 1);
    h.runtime.exitCodes.set("ready", 1);
    for (let i = 0; i < 10; i++) await h.advance(10_000);
    expect(h.runtime.count("alive")).toBe(1);
    expect(h.runtime.count("ready")).toBeGreaterThan(5);
    expect(h.manager.ready("uid-1", "app", "c1")).toBe(false);
    expect(h.failures).toEqual([]);
  });

  it("aborts attempts and cancels timers on removal and stop", async () => {
    const h = harness();
    h.runtime.hold = true;
    const p = pod({ livenessProbe: execProbe("alive"), readinessProbe: execProbe("ready") });
    h.manager.addContainer(target(p, "c1", h.clock.now()));
    h.manager.addContainer({
      ...target(p, "c2", h.clock.now()),
      pod: pod({ readinessProbe: execProbe("ready") }, { uid: "uid-2" }),
    });
    await h.advance(0);
    expect(h.runtime.calls.every((c) => c.signal?.aborted === false)).toBe(true);
    h.manager.removePod("uid-1");
    expect(
      h.runtime.calls.filter((c) => c.containerId === "c1").every((c) => c.signal?.aborted),
    ).toBe(true);
    expect(h.manager.size).toBe(1);
    h.manager.stop();
    expect(h.runtime.calls.every((c) => c.signal?.aborted)).toBe(true);
    expect(h.clock.pendingTimers()).toBe(0);
    h.manager.addContainer(target(p, "c3", h.clock.now()));
    expect(h.manager.size).toBe(0);
  });

  it("probes a real HTTP server on a named port and restarts on its failure", async () => {
    let healthy = true;
    const server = http.createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 500;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const failures: string[] = [];
    const events: string[] = [];
    const changes: string[] = [];
    const manager = new ProbeManager({
      runtime: new FakeRuntime(),
      startJitterMs: 0,
      onLivenessFailure: (_uid, _name, id) => failures.push(id),
      onResultChange: (uid) => changes.push(uid),
      recordEvent: (_pod, _name, _reason, message) => events.push(message),
    });
    try {
      const httpGet = Probe.fromPartial({
        handler: {
          $case: "httpGet",
          value: { path: "/healthz", port: { value: { $case: "strVal", value: "web" } } },
        },
        periodSeconds: 1,
        failureThreshold: 1,
      });
      const p = pod({
        ports: [{ name: "web", containerPort: port, protocol: "TCP" }],
        livenessProbe: httpGet,
        readinessProbe: httpGet,
      });
      manager.addContainer({ ...target(p, "c1", Date.now()), podIP: "127.0.0.1" });
      await vi.waitFor(() => expect(manager.ready("uid-1", "app", "c1")).toBe(true), {
        timeout: 5000,
      });
      healthy = false;
      await vi.waitFor(() => expect(failures).toEqual(["c1"]), { timeout: 5000 });
      expect(events).toContain("Liveness probe failed: HTTP probe failed with statuscode: 500");
    } finally {
      manager.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
