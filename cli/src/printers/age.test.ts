import { describe, expect, it } from "vitest";
import { age, humanDuration } from "./age.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("humanDuration (kubectl's AGE)", () => {
  it.each([
    [0, "0s"],
    [-900, "0s"],
    [-5 * s, "<invalid>"],
    [5 * s, "5s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [3 * m + 12 * s, "3m12s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [4 * h + 30 * m, "4h30m"],
    [8 * h + 5 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [2 * d + 5 * h, "2d5h"],
    [8 * d + 5 * h, "8d"],
    [400 * d, "400d"],
    [3 * 365 * d + 12 * d, "3y12d"],
    [9 * 365 * d, "9y"],
  ])("%d ms is %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it("measures a timestamp against now, <unknown> without one", () => {
    const now = new Date("2024-05-01T12:00:00Z");
    expect(age(new Date("2024-05-01T11:56:48Z"), now)).toBe("3m12s");
    expect(age(undefined, now)).toBe("<unknown>");
  });
});
