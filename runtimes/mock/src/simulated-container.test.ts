import { afterEach, describe, expect, it } from "vitest";
import { ContainerLog } from "./container-log.js";
import type { ContainerRecord } from "./runtime-records.js";
import { SimulatedContainer } from "./simulated-container.js";

const S = 1_000_000; // one second in microseconds

let containers: SimulatedContainer[] = [];
afterEach(() => {
  for (const c of containers) c.dispose();
  containers = [];
});

function record(command: string[], fields: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: "c1",
    sandboxId: "s1",
    name: "c",
    attempt: 0,
    image: "busybox:latest",
    imageRef: "sha256:x",
    command,
    args: [],
    stdin: false,
    labels: {},
    annotations: {},
    createdUs: 0,
    state: "CREATED",
    startedUs: 0,
    finishedUs: 0,
    exitCode: 0,
    reason: "",
    message: "",
    ...fields,
  };
}

/** A container whose clock the test sets. */
function container(r: ContainerRecord, now: { us: number }) {
  const changes: boolean[] = [];
  const c = new SimulatedContainer(r, new ContainerLog(), {
    now: () => now.us,
    changed: (urgent) => changes.push(urgent),
  });
  containers.push(c);
  return { c, changes };
}

describe("simulated container", () => {
  it("runs its script up to the first wait when it starts", () => {
    const now = { us: 1000 * S };
    const { c } = container(record(["sh", "-c", "echo a; sleep 2; echo b"]), now);
    c.start();
    expect(c.record).toMatchObject({ state: "RUNNING", startedUs: 1000 * S, wakeUs: 1002 * S });
    expect(c.log.from(0).map((e) => e.content)).toEqual(["a"]);
  });

  it("replays what fell due while the plugin was down, at the simulated times", () => {
    const now = { us: 2000 * S };
    // Started at 1000 s and sleeping (pc 4 is the echo after the sleep) until 1001 s.
    const r = record(["sh", "-c", "echo 0; while true; do sleep 1; echo t; done"], {
      state: "RUNNING",
      startedUs: 1000 * S,
      shell: { pc: 4, status: 0, ignoreTerm: false },
      wakeUs: 1001 * S,
    });
    const { c } = container(r, now);
    c.resume();
    const entries = c.log.from(0);
    expect(entries.length).toBe(1000);
    expect(entries[0]?.timeUs).toBe(1001 * S);
    expect(entries[entries.length - 1]?.timeUs).toBe(2000 * S);
    expect(c.record.wakeUs).toBe(2001 * S);
  });

  it("exits at the due time when its exit fell due meanwhile", () => {
    const now = { us: 2000 * S };
    const r = record(["sh", "-c", "sleep 5; exit 3"], {
      state: "RUNNING",
      startedUs: 1000 * S,
      shell: { pc: 1, status: 0, ignoreTerm: false },
      wakeUs: 1005 * S,
    });
    const { c, changes } = container(r, now);
    c.resume();
    expect(c.record).toMatchObject({
      state: "EXITED",
      exitCode: 3,
      finishedUs: 1005 * S,
      reason: "Error",
    });
    expect(changes).toContain(true);
    expect(c.record.shell).toBeUndefined();
  });

  it("kills at the stop deadline that passed meanwhile", () => {
    const now = { us: 2000 * S };
    const r = record(["sh", "-c", 'trap "" TERM; sleep 3600'], {
      state: "RUNNING",
      startedUs: 1000 * S,
      shell: { pc: 2, status: 0, ignoreTerm: true },
      wakeUs: 4600 * S,
      killUs: 1030 * S,
    });
    const { c } = container(r, now);
    c.resume();
    expect(c.record).toMatchObject({ state: "EXITED", exitCode: 137, finishedUs: 1030 * S });
  });

  it("skips the backlog of a busy loop after a long time down", () => {
    const now = { us: 1_000_000 * S };
    const r = record(["sh", "-c", "while true; do echo x; sleep 0.001; done"], {
      state: "RUNNING",
      startedUs: 1000 * S,
      shell: { pc: 0, status: 0, ignoreTerm: false },
      wakeUs: 1000 * S,
    });
    const { c } = container(r, now);
    c.resume();
    expect(c.record.wakeUs).toBeGreaterThan(now.us);
    expect(c.record.wakeUs).toBeLessThanOrEqual(now.us + 1000);
  });

  it("stops at once on SIGTERM (143), or waits for the kill when it is ignored", async () => {
    const now = { us: 1000 * S };
    const plain = container(record(["sleep", "100"]), now).c;
    plain.start();
    await plain.stop(30);
    expect(plain.record).toMatchObject({ state: "EXITED", exitCode: 143 });

    const trapping = container(record(["sh", "-c", 'trap "" TERM; sleep 100']), now).c;
    trapping.start();
    const stopped = trapping.stop(0.05);
    expect(trapping.record.killUs).toBe(now.us + 0.05 * S);
    now.us += 0.05 * S;
    await stopped;
    expect(trapping.record).toMatchObject({ state: "EXITED", exitCode: 137 });
  });

  it("holds no timer while it waits forever", () => {
    const now = { us: 1000 * S };
    const { c } = container(record([]), now);
    c.start();
    expect(c.record.state).toBe("RUNNING");
    expect(c.record.wakeUs).toBeUndefined();
  });
});
