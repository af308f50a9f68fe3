import { describe, expect, it } from "vitest";
import { InvalidPatchError } from "./errors.js";
import { applyMergePatch, createMergePatch } from "./merge-patch.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// RFC 7386 appendix A.
const RFC_EXAMPLES: Array<[unknown, unknown, unknown]> = [
  [{ a: "b" }, { a: "c" }, { a: "c" }],
  [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  [{ a: "b" }, { a: null }, {}],
  [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
  [{ a: ["b"] }, { a: "c" }, { a: "c" }],
  [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
  [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  [
    ["a", "b"],
    ["c", "d"],
    ["c", "d"],
  ],
  [{ a: "b" }, ["c"], ["c"]],
  [{ a: "foo" }, null, null],
  [{ a: "foo" }, "bar", "bar"],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: "b", c: null }, { a: "b" }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe("JSON merge patch (RFC 7386)", () => {
  it.each(RFC_EXAMPLES)("merges %j with %j", (target, patch, result) => {
    expect(applyMergePatch(deepFreeze(target), deepFreeze(patch))).toEqual(result);
  });

  const deployment = deepFreeze({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web", tier: "frontend" } },
    spec: {
      replicas: 3,
      template: {
        spec: {
          containers: [
            { name: "web", image: "web:1", ports: [{ containerPort: 8080 }] },
            { name: "sidecar", image: "envoy:1" },
          ],
        },
      },
    },
  });

  it("sets spec.replicas and leaves everything else untouched (inputs frozen)", () => {
    const out = applyMergePatch(deployment, { spec: { replicas: 5 } });
    expect(out).toEqual({ ...deployment, spec: { ...deployment.spec, replicas: 5 } });
  });

  it("replaces a list whole: naming one container drops the other", () => {
    const out = applyMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: "web", image: "web:2" }] } } },
    });
    expect(out).toMatchObject({
      spec: { template: { spec: { containers: [{ name: "web", image: "web:2" }] } } },
    });
    expect(JSON.stringify(out)).not.toContain("sidecar");
    expect(JSON.stringify(out)).not.toContain("8080");
  });

  it("removes a label with null", () => {
    expect(applyMergePatch(deployment, { metadata: { labels: { tier: null } } })).toMatchObject({
      metadata: { labels: { app: "web" } },
    });
  });

  it("returns new values: changing the result leaves the inputs alone", () => {
    const target = { a: { b: [1] } };
    const patch = { c: { d: 1 } };
    const out = applyMergePatch(target, patch) as { a: { b: number[] }; c: { d: number } };
    out.a.b.push(2);
    out.c.d = 2;
    expect(target).toEqual({ a: { b: [1] } });
    expect(patch).toEqual({ c: { d: 1 } });
  });

  it("rejects a __proto__ member and absurd depth", () => {
    const hostile = JSON.parse('{"metadata": {"__proto__": {"polluted": 1}}}') as unknown;
    expect(() => applyMergePatch({}, hostile)).toThrow(InvalidPatchError);
    expect(() => applyMergePatch({}, hostile)).toThrow("metadata.__proto__: the key __proto__");
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) deep = { a: deep };
    expect(() => applyMergePatch({}, deep)).toThrow(/nested deeper than 100 levels/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("rejects values that are not JSON data", () => {
    expect(() => applyMergePatch({}, { a: new Date(0) })).toThrow(InvalidPatchError);
    expect(() => applyMergePatch({}, { a: Number.NaN })).toThrow(InvalidPatchError);
    expect(() => applyMergePatch({ a: () => 1 }, {})).toThrow(TypeError);
  });
});

describe("createMergePatch", () => {
  it.each(RFC_EXAMPLES)("turns %j into the result of %j", (original, patch) => {
    const modified = applyMergePatch(original, patch);
    expect(applyMergePatch(original, createMergePatch(original, modified))).toEqual(modified);
  });

  it("is {} for equal objects and names only what changed", () => {
    const a = { metadata: { labels: { app: "web", tier: "frontend" } }, spec: { replicas: 3 } };
    expect(createMergePatch(a, structuredClone(a))).toEqual({});
    expect(
      createMergePatch(a, { metadata: { labels: { app: "web" } }, spec: { replicas: 4 } }),
    ).toEqual({ metadata: { labels: { tier: null } }, spec: { replicas: 4 } });
  });

  it("sends a changed list whole, and treats a null in modified as absent", () => {
    expect(createMergePatch({ a: [1, 2], b: 1 }, { a: [1], b: null })).toEqual({
      a: [1],
      b: null,
    });
    expect(createMergePatch({ a: 1 }, { a: 1, b: null })).toEqual({});
  });
});
