import { describe, expect, it } from "vitest";
import { hasLabels, LabelIndex } from "./label-index.js";

describe("label index", () => {
  it("narrows a selector to the items of its rarest label, in insertion order", () => {
    const index = new LabelIndex<string>();
    index.add("a", { app: "web", pod: "1" });
    index.add("b", { app: "web", pod: "2" });
    index.add("c", { app: "db", pod: "3" });
    expect([...(index.candidates({ app: "web" }) ?? [])]).toEqual(["a", "b"]);
    expect([...(index.candidates({ app: "web", pod: "2" }) ?? [])]).toEqual(["b"]);
    expect([...(index.candidates({ app: "web", pod: "3" }) ?? [])]).toEqual(["c"]);
    expect([...(index.candidates({ app: "cache" }) ?? [])]).toEqual([]);
    expect(index.candidates({})).toBeUndefined();

    index.remove("a", { app: "web", pod: "1" });
    expect([...(index.candidates({ app: "web" }) ?? [])]).toEqual(["b"]);
    expect([...(index.candidates({ pod: "1" }) ?? [])]).toEqual([]);
  });

  it("checks every label of a selector", () => {
    expect(hasLabels({ a: "1", b: "2" }, { a: "1", b: "2" })).toBe(true);
    expect(hasLabels({ a: "1" }, { a: "1", b: "2" })).toBe(false);
    expect(hasLabels({ a: "1" }, undefined)).toBe(true);
  });
});
