import { describe, expect, it } from "vitest";
import { fieldsOf, parseFieldSelector } from "./field-selector.js";
import {
  EVERYTHING,
  NOTHING,
  SelectorParseError,
  labelSelectorMatcher,
  parseLabelSelector,
} from "./label-selector.js";

describe("label selectors", () => {
  const labels = { app: "web", tier: "frontend", env: "prod" };

  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app!=web", false],
    ["app=web,tier=frontend", true],
    ["app=web,tier=backend", false],
    ["env in (prod, staging)", true],
    ["env notin (prod)", false],
    ["canary", false],
    ["!canary", true],
    ["app", true],
    ["!app", false],
    ["missing!=x", true],
  ])("%j matches=%s", (selector, expected) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(expected);
  });

  it("prints a canonical form that parses again", () => {
    const m = parseLabelSelector("env in (a,b), app = web ,!x");
    expect(m.toString()).toBe("env in (a,b),app=web,!x");
    expect(parseLabelSelector(m.toString()).toString()).toBe(m.toString());
  });

  it.each([
    "app=",
    "=web",
    "app in ()",
    "app in (a",
    "a,,b",
    "app=web,",
    "bad key=1",
    "app=not ok!",
  ])("rejects %j with a reason", (selector) => {
    if (selector === "app=") {
      expect(parseLabelSelector(selector).matches({ app: "" })).toBe(true);
      return;
    }
    expect(() => parseLabelSelector(selector)).toThrow(SelectorParseError);
  });

  it("compiles LabelSelector messages: absent selects nothing, empty everything", () => {
    expect(labelSelectorMatcher(undefined)).toBe(NOTHING);
    expect(
      labelSelectorMatcher({ matchLabels: {}, matchExpressions: [] }).matches({ a: "b" }),
    ).toBe(true);
    const m = labelSelectorMatcher({
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }],
    });
    expect(m.matches({ app: "web", env: "prod" })).toBe(true);
    expect(m.matches({ app: "web", env: "dev" })).toBe(false);
    expect(EVERYTHING.matches(undefined)).toBe(true);
  });
});

describe("field selectors", () => {
  const pod = {
    metadata: { name: "web-1", namespace: "shop" },
    spec: { nodeName: "n1" },
    status: { phase: "Running" },
  };

  it("matches the fields Kubernetes offers", () => {
    const fields = fieldsOf("Pod", pod);
    expect(parseFieldSelector("Pod", "spec.nodeName=n1,status.phase!=Failed").matches(fields)).toBe(
      true,
    );
    expect(parseFieldSelector("Pod", "spec.nodeName=").matches(fields)).toBe(false);
    expect(parseFieldSelector("Pod", "metadata.name==web-1").matches(fields)).toBe(true);
    const event = {
      metadata: { name: "e", namespace: "shop" },
      involvedObject: { kind: "Pod", name: "web-1" },
    };
    expect(
      parseFieldSelector("Event", "involvedObject.kind=Pod,involvedObject.name=web-1").matches(
        fieldsOf("Event", event),
      ),
    ).toBe(true);
  });

  it("rejects fields a kind does not offer, naming the supported ones", () => {
    expect(() => parseFieldSelector("Deployment", "spec.replicas=3")).toThrow(
      /field label not supported for Deployment: "spec.replicas" \(supported: metadata.name, metadata.namespace\)/,
    );
    expect(() => parseFieldSelector("Pod", "spec.nodeName~n1")).toThrow(SelectorParseError);
  });
});
