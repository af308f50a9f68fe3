import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeManifests, decodeObject, encodeObject } from "../codec/manifest.js";
import { lookupKind, type KindInfo } from "../kinds/kinds.js";
import { applyJsonPatch } from "./json-patch.js";
import type { JsonObject } from "./json-value.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";
import { createThreeWayMergePatch } from "./three-way-merge.js";

function kind(name: string): KindInfo {
  const k = lookupKind(name);
  if (k === undefined) throw new Error(`no kind ${name}`);
  return k;
}

type Json = Record<string, unknown>;
const at = (o: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);

// Test data lives next to the codec's sources; tests run from dist/, so resolve from the repo.
const shop = readFileSync(
  fileURLToPath(new URL("../../src/codec/testdata/shop.yaml", import.meta.url)),
  "utf8",
);

/** A manifest in the form the CLI passes: decoded and encoded again by the codec. */
function manifest(kindName: string, text = shop): JsonObject {
  const o = decodeManifests(text).find((d) => d.kind.kind === kindName);
  if (o === undefined) throw new Error(`no ${kindName}`);
  return encodeObject(o.kind, o.object) as JsonObject;
}

/** What the server keeps: the manifest with defaults, allocations and status added. */
function liveDeployment(applied: JsonObject, replicas = 3): JsonObject {
  const live = applyJsonPatch(applied, [
    {
      op: "add",
      path: "/metadata/uid",
      value: "6f1c7d1e-1111-2222-3333-444455556666",
    },
    { op: "add", path: "/metadata/resourceVersion", value: "1234" },
    { op: "add", path: "/metadata/generation", value: 2 },
    { op: "add", path: "/metadata/creationTimestamp", value: "2024-05-01T12:00:00Z" },
    // Replicas scaled by someone else (k8ts scale, an autoscaler).
    { op: "add", path: "/spec/replicas", value: replicas },
    // Server defaults inside keyed items.
    { op: "add", path: "/spec/template/spec/containers/0/imagePullPolicy", value: "IfNotPresent" },
    { op: "add", path: "/spec/template/spec/containers/0/ports/0/protocol", value: "TCP" },
    { op: "add", path: "/spec/template/spec/schedulerName", value: "default-scheduler" },
    {
      op: "add",
      path: "/status",
      value: {
        observedGeneration: 2,
        replicas,
        readyReplicas: replicas,
        conditions: [{ type: "Available", status: "True" }],
      },
    },
  ]);
  // The live object is what the server returns: valid, and in codec form.
  const [decoded] = decodeObject(live);
  if (decoded === undefined) throw new Error("live object did not decode");
  return encodeObject(decoded.kind, decoded.object) as JsonObject;
}

const deployment = kind("Deployment");
const threeWay = (last: unknown, modified: unknown, live: unknown): JsonObject | undefined =>
  createThreeWayMergePatch(deployment.descriptor, last, modified, live);

/** Applies the patch as the server would, and checks the object decodes. */
function apply(live: JsonObject, patch: JsonObject | undefined): JsonObject {
  const out =
    patch === undefined ? live : applyStrategicMergePatch(deployment.descriptor, live, patch);
  expect(() => decodeObject(out)).not.toThrow();
  return out;
}

function withoutReplicas(m: JsonObject): JsonObject {
  return applyJsonPatch(m, [{ op: "remove", path: "/spec/replicas" }]) as JsonObject;
}

describe("three-way apply: unchanged", () => {
  const applied = withoutReplicas(manifest("Deployment"));
  const live = liveDeployment(applied, 7);

  it("re-applying the same manifest gives no patch, despite server-set fields", () => {
    expect(threeWay(applied, applied, live)).toBeUndefined();
  });

  it("also without a last-applied configuration", () => {
    expect(threeWay(undefined, applied, live)).toBeUndefined();
  });

  it("leaves replicas scaled by someone else alone when the manifest omits replicas", () => {
    const changed = applyJsonPatch(applied, [
      { op: "replace", path: "/spec/minReadySeconds", value: 10 },
    ]) as JsonObject;
    const patch = threeWay(applied, changed, live);
    expect(patch).toEqual({ spec: { minReadySeconds: 10 } });
    expect(at(apply(live, patch), "spec", "replicas")).toBe(7);
  });

  it("a Service keeps its allocated clusterIP and node ports", () => {
    const service = kind("Service");
    const svcApplied = manifest("Service");
    const svcLive = applyJsonPatch(svcApplied, [
      { op: "add", path: "/metadata/uid", value: "u-1" },
      { op: "add", path: "/metadata/resourceVersion", value: "9" },
      { op: "add", path: "/spec/clusterIP", value: "10.96.0.17" },
      { op: "add", path: "/spec/clusterIPs", value: ["10.96.0.17"] },
      { op: "add", path: "/spec/ports/0/protocol", value: "TCP" },
      { op: "add", path: "/spec/ports/1/protocol", value: "TCP" },
      { op: "add", path: "/spec/ports/1/nodePort", value: 31234 },
    ]);
    expect(
      createThreeWayMergePatch(service.descriptor, svcApplied, svcApplied, svcLive),
    ).toBeUndefined();
  });
});

describe("three-way apply: changes", () => {
  const applied = manifest("Deployment");
  const live = liveDeployment(applied);

  it("removing a label from the manifest removes it from the live object", () => {
    const modified = applyJsonPatch(applied, [
      { op: "remove", path: "/metadata/labels/app.kubernetes.io~1part-of" },
    ]) as JsonObject;
    const patch = threeWay(applied, modified, live);
    expect(patch).toEqual({ metadata: { labels: { "app.kubernetes.io/part-of": null } } });
    expect(at(apply(live, patch), "metadata", "labels")).toEqual({
      "app.kubernetes.io/name": "web",
    });
  });

  it("removing a container deletes it by key and keeps the others as they live", () => {
    const two = applyJsonPatch(applied, [
      {
        op: "add",
        path: "/spec/template/spec/containers/-",
        value: { name: "sidecar", image: "envoy:1" },
      },
    ]) as JsonObject;
    const liveTwo = liveDeployment(two);
    const patch = threeWay(two, applied, liveTwo);
    expect(patch).toEqual({
      spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } },
    });
    const result = apply(liveTwo, patch);
    const containers = at(result, "spec", "template", "spec", "containers") as Json[];
    expect(containers.map((c) => c.name)).toEqual(["web"]);
    // The server's default inside the kept container survives.
    expect(containers[0]?.imagePullPolicy).toBe("IfNotPresent");
  });

  it("a new image, env var and port become a keyed patch of just those", () => {
    const modified = applyJsonPatch(applied, [
      { op: "replace", path: "/spec/template/spec/containers/0/image", value: "shop/web:1.5" },
      { op: "remove", path: "/spec/template/spec/containers/0/env/1" },
      {
        op: "add",
        path: "/spec/template/spec/containers/0/ports/-",
        value: { name: "admin", containerPort: 7000 },
      },
    ]) as JsonObject;
    const patch = threeWay(applied, modified, live);
    expect(patch).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "web",
                image: "shop/web:1.5",
                ports: [{ name: "admin", containerPort: 7000 }],
                env: [{ name: "POD_NAME", $patch: "delete" }],
              },
            ],
          },
        },
      },
    });
    const result = apply(live, patch);
    expect(threeWay(modified, modified, result)).toBeUndefined();
  });

  it("a field dropped from the manifest is deleted; a field set again is restored", () => {
    const modified = applyJsonPatch(applied, [
      { op: "remove", path: "/spec/minReadySeconds" },
    ]) as JsonObject;
    expect(threeWay(applied, modified, live)).toEqual({ spec: { minReadySeconds: null } });
    // Someone edited a field the manifest sets: apply puts it back.
    const drifted = applyJsonPatch(live, [
      { op: "replace", path: "/spec/template/spec/restartPolicy", value: "OnFailure" },
    ]);
    expect(threeWay(applied, applied, drifted)).toEqual({
      spec: { template: { spec: { restartPolicy: "Always" } } },
    });
  });

  it("replaces lists without a key whole, but not over server defaults inside them", () => {
    const modified = applyJsonPatch(applied, [
      { op: "remove", path: "/spec/template/spec/tolerations/1" },
    ]) as JsonObject;
    const patch = threeWay(applied, modified, live);
    expect(at(patch, "spec", "template", "spec", "tolerations")).toEqual(
      at(modified, "spec", "template", "spec", "tolerations"),
    );
    const defaulted = applyJsonPatch(live, [
      { op: "add", path: "/spec/template/spec/tolerations/0/tolerationSeconds", value: 300 },
    ]);
    expect(threeWay(applied, applied, defaulted)).toBeUndefined();
  });

  it("switches a probe from httpGet to exec even without a last-applied configuration", () => {
    const modified = applyJsonPatch(applied, [
      { op: "remove", path: "/spec/template/spec/containers/0/readinessProbe/httpGet" },
      {
        op: "add",
        path: "/spec/template/spec/containers/0/readinessProbe/exec",
        value: { command: ["true"] },
      },
    ]) as JsonObject;
    const result = apply(live, threeWay(undefined, modified, live));
    expect(at(result, "spec", "template", "spec", "containers", 0, "readinessProbe")).toEqual(
      at(modified, "spec", "template", "spec", "containers", 0, "readinessProbe"),
    );
  });

  it("removes only its own finalizers and keeps those others added", () => {
    const mine = applyJsonPatch(applied, [
      {
        op: "add",
        path: "/metadata/finalizers",
        value: ["shop.example.com/a", "shop.example.com/b"],
      },
    ]) as JsonObject;
    const liveWithOthers = applyJsonPatch(liveDeployment(mine), [
      { op: "add", path: "/metadata/finalizers/-", value: "other.example.com/c" },
    ]) as JsonObject;
    const modified = applyJsonPatch(mine, [
      {
        op: "replace",
        path: "/metadata/finalizers",
        value: ["shop.example.com/b", "shop.example.com/d"],
      },
    ]) as JsonObject;
    const patch = threeWay(mine, modified, liveWithOthers);
    expect(patch).toEqual({
      metadata: {
        finalizers: ["shop.example.com/d"],
        "$deleteFromPrimitiveList/finalizers": ["shop.example.com/a"],
      },
    });
    expect(at(apply(liveWithOthers, patch), "metadata", "finalizers")).toEqual([
      "shop.example.com/b",
      "other.example.com/c",
      "shop.example.com/d",
    ]);
  });

  it("replaces a keyed list whose items share a key (TCP and UDP on one port)", () => {
    const dns = applyJsonPatch(applied, [
      {
        op: "replace",
        path: "/spec/template/spec/containers/0/ports",
        value: [
          { name: "dns", containerPort: 53, protocol: "UDP" },
          { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
        ],
      },
    ]) as JsonObject;
    const patch = threeWay(applied, dns, live);
    expect(at(patch, "spec", "template", "spec", "containers", 0, "ports")).toEqual([
      { $patch: "replace" },
      { name: "dns", containerPort: 53, protocol: "UDP" },
      { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
    ]);
    const result = apply(live, patch);
    expect(at(result, "spec", "template", "spec", "containers", 0, "ports")).toEqual(
      at(dns, "spec", "template", "spec", "containers", 0, "ports"),
    );
    expect(threeWay(dns, dns, result)).toBeUndefined();
  });

  it("never changes its inputs", () => {
    const frozen = <T>(value: T): T => {
      if (typeof value === "object" && value !== null) {
        for (const v of Object.values(value)) frozen(v);
        Object.freeze(value);
      }
      return value;
    };
    const modified = withoutReplicas(applied);
    const inputs = [structuredClone(applied), structuredClone(modified), structuredClone(live)];
    // Frozen: a mutation would throw.
    const patch = threeWay(frozen(applied), frozen(modified), frozen(live));
    expect(patch).toEqual({ spec: { replicas: null } });
    expect([applied, modified, live]).toEqual(inputs);
  });
});
