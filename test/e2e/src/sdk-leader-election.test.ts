// Lease-based leader election against a real apiserver: of two candidates exactly one
// leads; a graceful stop hands over at once; a leader that vanishes without releasing is
// replaced after the lease duration; a leader whose renewals fail stops acting at once
// (before anyone else may start).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, LeaderElector, type LeaderElectionOptions, waitFor } from "@k8ts/sdk";
import { RecordingLogger } from "./recording-logger.js";
import { TcpProxy } from "./tcp-proxy.js";

const LEASE_MS = 1000;
const RENEW_DEADLINE_MS = 600;
const RETRY_MS = 150;

let api: ApiServerProcess;
let client: ApiClient;

beforeAll(async () => {
  api = await ApiServerProcess.start();
  client = new ApiClient({ server: api.address });
});

afterAll(async () => {
  client.close();
  await api.dispose();
});

/** One candidate and what happened to it, with monotonic times. */
class Candidate {
  readonly elector: LeaderElector;
  readonly stop = new AbortController();
  readonly log = new RecordingLogger();
  startedAt: number | undefined;
  stoppedAt: number | undefined;
  leaderSignal: AbortSignal | undefined;
  readonly leaders: string[] = [];
  readonly done: Promise<void>;

  constructor(
    readonly identity: string,
    lease: string,
    options: Partial<LeaderElectionOptions> = {},
    work?: (signal: AbortSignal) => Promise<void>,
  ) {
    this.elector = new LeaderElector({
      client,
      name: lease,
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
      logger: this.log,
      ...options,
      callbacks: {
        onStartedLeading: (signal) => {
          this.startedAt = performance.now();
          this.leaderSignal = signal;
          signal.addEventListener("abort", () => (this.stoppedAt = performance.now()), {
            once: true,
          });
          return work?.(signal);
        },
        onNewLeader: (id) => void this.leaders.push(id),
      },
    });
    this.done = this.elector.run(this.stop.signal);
  }

  get leading(): boolean {
    return this.startedAt !== undefined && this.leaderSignal?.aborted === false;
  }
}

async function lease(name: string) {
  return client.kind("Lease").get(name, { namespace: "kube-system" });
}

describe("LeaderElector", () => {
  it("elects exactly one leader; a graceful stop hands over at once", async () => {
    const a = new Candidate("a", "handover");
    const b = new Candidate("b", "handover");
    const [leader, follower] = await waitFor("a leader", () =>
      a.leading ? [a, b] : b.leading ? [b, a] : undefined,
    );
    expect(follower.leading).toBe(false);
    await waitFor("the follower to see the leader", () =>
      follower.leaders.includes(leader.identity) ? true : undefined,
    );
    const before = await lease("handover");
    expect(before.spec?.holderIdentity).toBe(leader.identity);

    // Several renewals later, still one leader.
    await waitFor("renewals", async () =>
      (await lease("handover")).metadata?.resourceVersion !== before.metadata?.resourceVersion
        ? true
        : undefined,
    );
    expect(follower.leading).toBe(false);

    const stoppedAt = performance.now();
    leader.stop.abort();
    await leader.done;
    expect(leader.leaderSignal?.aborted).toBe(true);
    expect((await lease("handover")).spec?.holderIdentity).not.toBe(leader.identity);
    await waitFor("the follower to take over", () => (follower.leading ? true : undefined));
    // Released: no waiting for the lease to expire.
    expect((follower.startedAt ?? 0) - stoppedAt).toBeLessThan(LEASE_MS);
    const after = await lease("handover");
    expect(after.spec?.holderIdentity).toBe(follower.identity);
    expect(after.spec?.leaseTransitions).toBe((before.spec?.leaseTransitions ?? 0) + 1);

    follower.stop.abort();
    await follower.done;
  });

  it("a leader that vanishes without releasing is replaced after the lease duration", async () => {
    const a = new Candidate("a", "vanish", { releaseOnCancel: false });
    await waitFor("a to lead", () => (a.leading ? true : undefined));
    const b = new Candidate("b", "vanish");
    await waitFor("b to see a", () => (b.leaders.includes("a") ? true : undefined));

    const goneAt = performance.now();
    a.stop.abort();
    await a.done;
    expect((await lease("vanish")).spec?.holderIdentity).toBe("a");
    await waitFor("b to take over", () => (b.leading ? true : undefined), 5_000);
    // b judged expiry by when it last saw the lease change (a's last renewal, about a
    // retry period and a request before a vanished), plus the lease duration.
    expect((b.startedAt ?? 0) - goneAt).toBeGreaterThanOrEqual(LEASE_MS - 2 * RETRY_MS - 100);
    expect((b.startedAt ?? 0) - goneAt).toBeLessThan(LEASE_MS + 4 * RETRY_MS + 500);

    b.stop.abort();
    await b.done;
  });

  it("a leader whose renewals fail stops acting at once, before the successor starts", async () => {
    const proxy = await TcpProxy.start(api.address);
    const partitioned = new ApiClient({ server: proxy.address });
    try {
      const a = new Candidate("a", "partition", { client: partitioned });
      await waitFor("a to lead", () => (a.leading ? true : undefined));
      const b = new Candidate("b", "partition");
      await waitFor("b to see a", () => (b.leaders.includes("a") ? true : undefined));

      const cutAt = performance.now();
      proxy.cut();
      await waitFor("a to stop leading", () =>
        a.leaderSignal?.aborted === true ? true : undefined,
      );
      // At the renew deadline counted from a's last successful renewal (≤ one retry period
      // before the cut): not when some request finally times out.
      expect((a.stoppedAt ?? Infinity) - cutAt).toBeLessThan(RENEW_DEADLINE_MS + 400);
      expect(a.log.find("warn", "failed to renew the lease").length).toBe(1);
      await a.done;

      await waitFor("b to take over", () => (b.leading ? true : undefined), 5_000);
      expect(b.startedAt ?? 0).toBeGreaterThan(a.stoppedAt ?? Infinity);
      // The old leader never wrote the lease again: b's holdership stands.
      proxy.restore();
      expect((await lease("partition")).spec?.holderIdentity).toBe("b");

      b.stop.abort();
      await b.done;
    } finally {
      partitioned.close();
      await proxy.close();
    }
  });

  it("a leader whose work fails steps down and releases the lease", async () => {
    const a = new Candidate("a", "failing-work", {}, () =>
      Promise.reject(new Error("cannot start the controllers")),
    );
    await a.done;
    expect(a.leaderSignal?.aborted).toBe(true);
    expect(a.log.find("error", "stepping down").length).toBe(1);
    const released = await lease("failing-work");
    expect(released.spec?.holderIdentity ?? "").toBe("");
    const b = new Candidate("b", "failing-work");
    const asked = performance.now();
    await waitFor("b to lead", () => (b.leading ? true : undefined));
    expect((b.startedAt ?? Infinity) - asked).toBeLessThan(LEASE_MS);
    b.stop.abort();
    await b.done;
  });

  it("two candidates racing for a new lease: one wins, the other follows", async () => {
    const candidates = ["x", "y", "z"].map((id) => new Candidate(id, "race"));
    await waitFor("a leader", () => (candidates.some((c) => c.leading) ? true : undefined));
    // Give the others several attempts to (wrongly) acquire too.
    const holder = (await lease("race")).spec?.holderIdentity;
    await waitFor("everyone to see the leader", () =>
      candidates.every((c) => c.leaders.includes(holder ?? "?")) ? true : undefined,
    );
    expect(candidates.filter((c) => c.leading).map((c) => c.identity)).toEqual([holder]);
    for (const c of candidates) c.stop.abort();
    await Promise.all(candidates.map((c) => c.done));
  });
});
