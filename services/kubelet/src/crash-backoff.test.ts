import { describe, expect, it } from "vitest";
import { CrashBackoff } from "./crash-backoff.js";

describe("CrashBackoff", () => {
  it("restarts at once first, then doubles the delay up to the cap", () => {
    const b = new CrashBackoff(10, 40);
    expect(b.remaining("k", 0, 0)).toBe(0);
    b.next("k", 0);
    expect(b.remaining("k", 5, 6)).toBe(9);
    b.next("k", 20);
    expect(b.delay("k")).toBe(20);
    b.next("k", 40);
    b.next("k", 60);
    expect(b.delay("k")).toBe(40);
  });

  it("forgets a key untouched for twice the cap", () => {
    const b = new CrashBackoff(10, 40);
    b.next("k", 0);
    b.next("k", 1);
    expect(b.remaining("k", 100, 100)).toBe(0);
    b.next("k", 100);
    expect(b.delay("k")).toBe(10);
  });
});
