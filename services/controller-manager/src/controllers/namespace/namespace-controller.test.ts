import { describe, expect, it } from "vitest";
import { requeueDelay } from "./namespace-controller.js";

describe("requeueDelay", () => {
  it("looks again after 1 s, doubling up to 16 s", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(requeueDelay)).toEqual([
      1000, 2000, 4000, 8000, 16000, 16000, 16000,
    ]);
  });
});
