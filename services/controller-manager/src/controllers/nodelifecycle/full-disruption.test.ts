import { describe, expect, it } from "vitest";
import { isFullDisruption } from "./full-disruption.js";

describe("isFullDisruption", () => {
  it("holds only when there are nodes and none is ready", () => {
    expect(isFullDisruption(["Unknown", "False", undefined])).toBe(true);
    expect(isFullDisruption(["Unknown", "True", "Unknown"])).toBe(false);
    expect(isFullDisruption([])).toBe(false);
  });
});
