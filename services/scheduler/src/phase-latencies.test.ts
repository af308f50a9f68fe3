import { describe, expect, it } from "vitest";
import { PhaseLatencies } from "./phase-latencies.js";

const record = (ms: number) => ({
  pod: "ns/p",
  node: "n",
  attempts: 1,
  queueMs: ms,
  algorithmMs: ms * 2,
  bindMs: ms * 3,
});

describe("PhaseLatencies", () => {
  it("reports percentiles per phase", () => {
    const l = new PhaseLatencies();
    for (let i = 1; i <= 100; i++) l.record(record(i));
    const s = l.summary();
    expect(s.queue).toEqual({ count: 100, p50Ms: 51, p90Ms: 91, p99Ms: 100, maxMs: 100 });
    expect(s.algorithm.p50Ms).toBe(102);
    expect(s.bind.maxMs).toBe(300);
  });

  it("keeps only the last pods of its window", () => {
    const l = new PhaseLatencies(10);
    for (let i = 1; i <= 100; i++) l.record(record(i));
    const s = l.summary().queue;
    expect(s.count).toBe(10);
    expect(s.p50Ms).toBeGreaterThan(90);
  });

  it("is all zeros before any pod", () => {
    expect(new PhaseLatencies().summary().bind).toEqual({
      count: 0,
      p50Ms: 0,
      p90Ms: 0,
      p99Ms: 0,
      maxMs: 0,
    });
  });
});
