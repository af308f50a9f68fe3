import { describe, expect, it } from "vitest";
import { InvalidPatchError, PatchTestFailedError } from "./errors.js";
import { applyJsonPatch } from "./json-patch.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

function invalid(target: unknown, ops: unknown): InvalidPatchError {
  const e = thrown(() => applyJsonPatch(target, ops));
  expect(e).toBeInstanceOf(InvalidPatchError);
  return e as InvalidPatchError;
}

// RFC 6902 appendix A, in order (A.13, a duplicate "op" member, is a JSON parser matter).
describe("JSON patch: RFC 6902 appendix A", () => {
  it("A.1 adds an object member", () => {
    expect(applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }])).toEqual({
      baz: "qux",
      foo: "bar",
    });
  });

  it("A.2 adds an array element", () => {
    expect(
      applyJsonPatch({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }]),
    ).toEqual({ foo: ["bar", "qux", "baz"] });
  });

  it("A.3 removes an object member", () => {
    expect(applyJsonPatch({ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }])).toEqual({
      foo: "bar",
    });
  });

  it("A.4 removes an array element", () => {
    expect(
      applyJsonPatch({ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }]),
    ).toEqual({ foo: ["bar", "baz"] });
  });

  it("A.5 replaces a value", () => {
    expect(
      applyJsonPatch({ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }]),
    ).toEqual({ baz: "boo", foo: "bar" });
  });

  it("A.6 moves a value", () => {
    const doc = { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } };
    expect(applyJsonPatch(doc, [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }])).toEqual({
      foo: { bar: "baz" },
      qux: { corge: "grault", thud: "fred" },
    });
  });

  it("A.7 moves an array element", () => {
    expect(
      applyJsonPatch({ foo: ["all", "grass", "cows", "eat"] }, [
        { op: "move", from: "/foo/1", path: "/foo/3" },
      ]),
    ).toEqual({ foo: ["all", "cows", "eat", "grass"] });
  });

  it("A.8 tests a value: success", () => {
    const doc = { baz: "qux", foo: ["a", 2, "c"] };
    expect(
      applyJsonPatch(doc, [
        { op: "test", path: "/baz", value: "qux" },
        { op: "test", path: "/foo/1", value: 2 },
      ]),
    ).toEqual(doc);
  });

  it("A.9 tests a value: error", () => {
    const e = thrown(() =>
      applyJsonPatch({ baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }]),
    );
    expect(e).toBeInstanceOf(PatchTestFailedError);
    expect(e).toMatchObject({ operation: 0, path: "/baz", found: 'found "qux"' });
  });

  it("A.10 adds a nested member object", () => {
    expect(
      applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }]),
    ).toEqual({ foo: "bar", child: { grandchild: {} } });
  });

  it("A.11 ignores unrecognized members of an operation", () => {
    expect(
      applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux", xyz: 123 }]),
    ).toEqual({ foo: "bar", baz: "qux" });
  });

  it("A.12 refuses to add to a nonexistent target", () => {
    const e = invalid({ foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }]);
    expect(e.operation).toBe(0);
    expect(e.message).toContain("parent of the path does not exist");
  });

  it("A.14 unescapes ~0 and ~1", () => {
    const doc = { "/": 9, "~1": 10 };
    expect(applyJsonPatch(doc, [{ op: "test", path: "/~01", value: 10 }])).toEqual(doc);
    expect(applyJsonPatch(doc, [{ op: "test", path: "/~1", value: 9 }])).toEqual(doc);
  });

  it("A.15 compares strings and numbers strictly", () => {
    const e = thrown(() =>
      applyJsonPatch({ "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: "10" }]),
    );
    expect(e).toBeInstanceOf(PatchTestFailedError);
  });

  it("A.16 adds an array value", () => {
    expect(
      applyJsonPatch({ foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }]),
    ).toEqual({ foo: ["bar", ["abc", "def"]] });
  });
});

describe("JSON patch on objects", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: "web:1" }] } } },
  };

  it("replaces spec.replicas and leaves everything else untouched", () => {
    const out = applyJsonPatch(deployment, [{ op: "replace", path: "/spec/replicas", value: 5 }]);
    expect(out).toEqual({ ...deployment, spec: { ...deployment.spec, replicas: 5 } });
    expect(deployment.spec.replicas).toBe(3);
  });

  it("applies all operations or none: a failed test leaves the input as it was", () => {
    const before = structuredClone(deployment);
    const e = thrown(() =>
      applyJsonPatch(deployment, [
        { op: "replace", path: "/spec/replicas", value: 0 },
        { op: "test", path: "/metadata/labels/app", value: "api" },
      ]),
    );
    expect(e).toBeInstanceOf(PatchTestFailedError);
    expect((e as PatchTestFailedError).operation).toBe(1);
    expect(deployment).toEqual(before);
  });

  it("reports a test of a missing value as a failed test", () => {
    const e = thrown(() =>
      applyJsonPatch(deployment, [{ op: "test", path: "/spec/paused", value: false }]),
    );
    expect(e).toBeInstanceOf(PatchTestFailedError);
    expect((e as PatchTestFailedError).found).toBe("no value");
  });

  it("appends with - and copies without aliasing", () => {
    const out = applyJsonPatch(deployment, [
      {
        op: "copy",
        from: "/spec/template/spec/containers/0",
        path: "/spec/template/spec/containers/-",
      },
      { op: "replace", path: "/spec/template/spec/containers/1/name", value: "sidecar" },
    ]);
    expect(out).toMatchObject({
      spec: {
        template: {
          spec: {
            containers: [
              { name: "web", image: "web:1" },
              { name: "sidecar", image: "web:1" },
            ],
          },
        },
      },
    });
  });

  it("replaces and tests the whole document with the empty pointer", () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "", value: [1] }])).toEqual([1]);
    expect(applyJsonPatch({ a: 1 }, [{ op: "test", path: "", value: { a: 1 } }])).toEqual({
      a: 1,
    });
  });

  it("moving a value onto itself changes nothing", () => {
    expect(applyJsonPatch({ a: { b: 1 } }, [{ op: "move", from: "/a", path: "/a" }])).toEqual({
      a: { b: 1 },
    });
  });
});

describe("JSON patch: malformed operations name the operation and the problem", () => {
  const doc = { a: [1, 2], b: { c: 1 } };
  const cases: Array<[string, unknown, string]> = [
    ["not a list", { op: "add" }, "must be a list of operations"],
    ["an operation that is not an object", [1], "expected an operation object"],
    ["an unknown op", [{ op: "merge", path: "/a" }], '"op" must be one of'],
    ["a missing path", [{ op: "remove" }], '"path" is required'],
    ["a missing value", [{ op: "add", path: "/x" }], '"value" is required for "add"'],
    ["a missing from", [{ op: "move", path: "/x" }], '"from" is required for "move"'],
    ["a pointer without /", [{ op: "remove", path: "a" }], 'must be "" or start with "/"'],
    ["a bad escape", [{ op: "remove", path: "/a~2" }], '"~" must be followed by'],
    ["removing what is absent", [{ op: "remove", path: "/b/x" }], "path does not exist"],
    ["replacing what is absent", [{ op: "replace", path: "/x", value: 1 }], "path does not exist"],
    ["an index past the end", [{ op: "add", path: "/a/3", value: 0 }], "has no position"],
    ["an index with a leading zero", [{ op: "remove", path: "/a/01" }], "has no element"],
    ["- outside add", [{ op: "remove", path: "/a/-" }], "has no element"],
    ["moving into a child", [{ op: "move", from: "/b", path: "/b/c/d" }], "into one of its own"],
    ["removing the document", [{ op: "remove", path: "" }], "cannot remove the whole document"],
    ["adding under a scalar", [{ op: "add", path: "/b/c/d", value: 1 }], "neither an object"],
  ];
  it.each(cases)("rejects %s", (_, ops, message) => {
    const e = invalid(doc, ops);
    expect(e.message).toContain(message);
    if (Array.isArray(ops)) expect(e.operation).toBe(ops.length - 1);
  });

  it("names the index of the failing operation", () => {
    const e = invalid(doc, [
      { op: "add", path: "/x", value: 1 },
      { op: "remove", path: "/nope" },
    ]);
    expect(e.operation).toBe(1);
    expect(e.path).toBe("/nope");
    expect(e.message).toBe("invalid patch: operation 1: /nope: remove: path does not exist");
  });
});

describe("JSON patch: hostile input", () => {
  it("refuses __proto__ in paths and values", () => {
    const polluting = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    expect(
      invalid({}, [{ op: "add", path: "/__proto__/polluted", value: true }]).message,
    ).toContain("__proto__");
    expect(invalid({}, [{ op: "add", path: "/x", value: polluting }]).message).toContain(
      "__proto__",
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("does not read inherited properties", () => {
    const e = thrown(() => applyJsonPatch({}, [{ op: "test", path: "/constructor", value: 1 }]));
    expect(e).toBeInstanceOf(PatchTestFailedError);
    expect(invalid({}, [{ op: "remove", path: "/toString" }]).message).toContain(
      "path does not exist",
    );
  });

  it("bounds depth and copy amplification", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 150; i++) deep = [deep];
    expect(invalid({}, [{ op: "add", path: "/x", value: deep }]).message).toContain("deeper");
    const ops = Array.from({ length: 40 }, () => ({ op: "copy", from: "/a", path: "/a/-" }));
    expect(invalid({ a: [[1]] }, ops).message).toContain("copies more than");
  });
});
