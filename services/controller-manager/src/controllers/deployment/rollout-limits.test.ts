import { describe, expect, it } from "vitest";
import { deployment, intOrString } from "./deployment-fixtures.js";
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from "./rollout-limits.js";

describe("maxSurge and maxUnavailable", () => {
  it("round a percentage of the surge up and of the unavailable down", () => {
    expect(scaledValue(intOrString("25%"), 10, true)).toBe(3);
    expect(scaledValue(intOrString("25%"), 10, false)).toBe(2);
    expect(scaledValue(intOrString(4), 10, false)).toBe(4);
    expect(resolveFenceposts(intOrString("25%"), intOrString("25%"), 5)).toEqual([2, 1]);
  });

  it("make maxUnavailable 1 when both resolve to 0", () => {
    expect(resolveFenceposts(intOrString("10%"), intOrString("10%"), 3)).toEqual([1, 0]);
    expect(resolveFenceposts(intOrString(0), intOrString("20%"), 4)).toEqual([0, 1]);
  });

  it("resolve against spec.replicas and cap maxUnavailable at it", () => {
    const d = deployment({ replicas: 4, maxSurge: "50%", maxUnavailable: 10 });
    expect(maxSurge(d)).toBe(2);
    expect(maxUnavailable(d)).toBe(4);
    expect(maxUnavailable(deployment({ replicas: 0 }))).toBe(0);
  });

  it("are 0 for Recreate", () => {
    const d = deployment({ recreate: true });
    expect(maxSurge(d)).toBe(0);
    expect(maxUnavailable(d)).toBe(0);
  });

  it("refuse a malformed percentage", () => {
    expect(() => scaledValue(intOrString("abc"), 3, true)).toThrow(/not an integer/);
  });
});
