import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeManifests, decodeObject, encodeObject } from "../codec/manifest.js";
import { ManifestError } from "../codec/violations.js";
import { lookupKind, type KindInfo } from "../kinds/kinds.js";
import { InvalidPatchError } from "./errors.js";
import { applyJsonPatch } from "./json-patch.js";
import { applyMergePatch } from "./merge-patch.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

function kind(name: string): KindInfo {
  const k = lookupKind(name);
  if (k === undefined) throw new Error(`no kind ${name}`);
  return k;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

type Json = Record<string, unknown>;
const at = (o: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);

const deploy = kind("Deployment").descriptor;
const patchDeployment = (target: unknown, patch: unknown): Json =>
  applyStrategicMergePatch(deploy, target, patch);

// Frozen: any mutation of an input would throw.
const web = deepFreeze({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    labels: { app: "web", tier: "frontend" },
    finalizers: ["a.example.com/x", "b.example.com/y"],
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        initContainers: [{ name: "migrate", image: "web:1" }],
        containers: [
          {
            name: "web",
            image: "web:1",
            args: ["--listen", ":8080"],
            ports: [
              { name: "http", containerPort: 8080, protocol: "TCP" },
              { name: "metrics", containerPort: 9090, protocol: "TCP" },
            ],
            env: [
              { name: "MODE", value: "production" },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "DEBUG", value: "0" },
            ],
            readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
          },
          { name: "sidecar", image: "envoy:1", args: ["-c", "/etc/envoy.yaml"] },
        ],
        tolerations: [
          { key: "dedicated", operator: "Equal", value: "web", effect: "NoSchedule" },
          { key: "spot", operator: "Exists", effect: "NoSchedule" },
        ],
      },
    },
  },
  status: {
    replicas: 3,
    conditions: [
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
      { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
    ],
  },
});

const containers = (o: unknown): Json[] =>
  at(o, "spec", "template", "spec", "containers") as Json[];

describe("strategic merge patch: lists merged by key", () => {
  it("patching spec.replicas leaves everything else untouched", () => {
    const out = patchDeployment(web, { spec: { replicas: 5 } });
    expect(out).toEqual({ ...web, spec: { ...web.spec, replicas: 5 } });
  });

  it("a container named by name changes only its image; siblings and its other fields stay", () => {
    const out = patchDeployment(web, {
      spec: { template: { spec: { containers: [{ name: "web", image: "web:2" }] } } },
    });
    const [first, second] = containers(web);
    expect(containers(out)).toEqual([{ ...first, image: "web:2" }, second]);
    expect(at(out, "spec", "template", "spec", "initContainers")).toEqual(
      at(web, "spec", "template", "spec", "initContainers"),
    );
  });

  it("$patch: delete removes one env var by name", () => {
    const out = patchDeployment(web, {
      spec: {
        template: {
          spec: { containers: [{ name: "web", env: [{ name: "POD_IP", $patch: "delete" }] }] },
        },
      },
    });
    expect(at(containers(out)[0], "env")).toEqual([
      { name: "MODE", value: "production" },
      { name: "DEBUG", value: "0" },
    ]);
    // Deleting an item that is not there changes nothing.
    const again = patchDeployment(out, {
      spec: {
        template: {
          spec: { containers: [{ name: "web", env: [{ name: "POD_IP", $patch: "delete" }] }] },
        },
      },
    });
    expect(again).toEqual(out);
  });

  it("merges env by name, ports by containerPort, and appends new items in patch order", () => {
    const out = patchDeployment(web, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "web",
                env: [
                  { name: "DEBUG", value: "1" },
                  { name: "NEW", value: "x" },
                ],
                ports: [
                  { containerPort: 9090, name: "prom" },
                  { containerPort: 7000, name: "admin" },
                ],
              },
              { name: "logger", image: "fluentbit:2" },
            ],
          },
        },
      },
    });
    const [first] = containers(out);
    expect(at(first, "env")).toEqual([
      { name: "MODE", value: "production" },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "DEBUG", value: "1" },
      { name: "NEW", value: "x" },
    ]);
    expect(at(first, "ports")).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "prom", containerPort: 9090, protocol: "TCP" },
      { name: "admin", containerPort: 7000 },
    ]);
    expect(containers(out).map((c) => c.name)).toEqual(["web", "sidecar", "logger"]);
  });

  it("merges conditions by type", () => {
    const out = patchDeployment(web, {
      status: {
        conditions: [
          { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" },
          { type: "ReplicaFailure", status: "True" },
        ],
      },
    });
    expect(at(out, "status", "conditions")).toEqual([
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
      { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" },
      { type: "ReplicaFailure", status: "True" },
    ]);
  });

  it("merges Service ports by port, ownerReferences by uid, Node addresses by type", () => {
    const svc = kind("Service").descriptor;
    const service = {
      metadata: {
        name: "web",
        ownerReferences: [
          { apiVersion: "v1", kind: "X", name: "a", uid: "u1" },
          { apiVersion: "v1", kind: "X", name: "b", uid: "u2" },
        ],
      },
      spec: {
        clusterIP: "10.96.0.10",
        ports: [
          { name: "http", port: 80, targetPort: "http" },
          { name: "metrics", port: 9090, targetPort: 9090, nodePort: 30001 },
        ],
      },
    };
    const out = applyStrategicMergePatch(svc, service, {
      metadata: { ownerReferences: [{ uid: "u1", $patch: "delete" }] },
      spec: { ports: [{ port: 9090, targetPort: 9191 }] },
    });
    expect(at(out, "metadata", "ownerReferences")).toEqual([
      { apiVersion: "v1", kind: "X", name: "b", uid: "u2" },
    ]);
    expect(at(out, "spec")).toEqual({
      clusterIP: "10.96.0.10",
      ports: [
        { name: "http", port: 80, targetPort: "http" },
        { name: "metrics", port: 9090, targetPort: 9191, nodePort: 30001 },
      ],
    });

    const node = applyStrategicMergePatch(
      kind("Node").descriptor,
      {
        metadata: { name: "n1" },
        status: {
          addresses: [
            { type: "InternalIP", address: "10.0.0.1" },
            { type: "Hostname", address: "n1" },
          ],
        },
      },
      { status: { addresses: [{ type: "InternalIP", address: "10.0.0.2" }] } },
    );
    expect(at(node, "status", "addresses")).toEqual([
      { type: "InternalIP", address: "10.0.0.2" },
      { type: "Hostname", address: "n1" },
    ]);
  });

  it("replaces lists without a merge key whole (tolerations, args)", () => {
    const out = patchDeployment(web, {
      spec: {
        template: {
          spec: {
            tolerations: [{ key: "gpu", operator: "Exists" }],
            containers: [{ name: "sidecar", args: ["-l", "debug"] }],
          },
        },
      },
    });
    expect(at(out, "spec", "template", "spec", "tolerations")).toEqual([
      { key: "gpu", operator: "Exists" },
    ]);
    expect(containers(out)[1]).toEqual({
      name: "sidecar",
      image: "envoy:1",
      args: ["-l", "debug"],
    });
  });
});

describe("strategic merge patch: sets and directives", () => {
  it("merges finalizers as a set and removes values with $deleteFromPrimitiveList", () => {
    const out = patchDeployment(web, {
      metadata: {
        finalizers: ["b.example.com/y", "c.example.com/z"],
        "$deleteFromPrimitiveList/finalizers": ["a.example.com/x", "not.there/q"],
      },
    });
    expect(at(out, "metadata", "finalizers")).toEqual(["b.example.com/y", "c.example.com/z"]);
  });

  it("$patch: replace on a map replaces it instead of merging", () => {
    const out = patchDeployment(web, {
      metadata: { labels: { $patch: "replace", app: "web2" } },
    });
    expect(at(out, "metadata", "labels")).toEqual({ app: "web2" });
  });

  it("$patch: replace on a list item replaces that item only", () => {
    const out = patchDeployment(web, {
      spec: {
        template: {
          spec: { containers: [{ name: "web", image: "web:3", $patch: "replace" }] },
        },
      },
    });
    expect(containers(out)).toEqual([{ name: "web", image: "web:3" }, containers(web)[1]]);
  });

  it('an item {"$patch": "replace"} replaces the whole list with the other items', () => {
    const out = patchDeployment(web, {
      spec: {
        template: {
          spec: { containers: [{ $patch: "replace" }, { name: "only", image: "only:1" }] },
        },
      },
    });
    expect(containers(out)).toEqual([{ name: "only", image: "only:1" }]);
  });

  it("$patch: delete on a map removes it; null removes any member", () => {
    const out = patchDeployment(web, {
      metadata: { labels: { tier: null } },
      spec: {
        template: { spec: { containers: [{ name: "web", readinessProbe: { $patch: "delete" } }] } },
      },
    });
    expect(at(out, "metadata", "labels")).toEqual({ app: "web" });
    expect(containers(out)[0]).not.toHaveProperty("readinessProbe");
  });

  it("setting one member of a oneof drops the one that was set", () => {
    const out = patchDeployment(web, {
      spec: {
        template: {
          spec: {
            containers: [{ name: "web", readinessProbe: { exec: { command: ["true"] } } }],
          },
        },
      },
    });
    expect(at(containers(out)[0], "readinessProbe")).toEqual({
      exec: { command: ["true"] },
      periodSeconds: 5,
    });
  });

  it("creates what the target lacks, interpreting directives inside", () => {
    const out = patchDeployment(
      { metadata: { name: "x" } },
      {
        metadata: { labels: { a: "b" }, finalizers: ["f/x"] },
        spec: {
          template: {
            spec: {
              containers: [{ name: "c", image: "i", env: [{ name: "GONE", $patch: "delete" }] }],
            },
          },
        },
      },
    );
    expect(out).toEqual({
      metadata: { name: "x", labels: { a: "b" }, finalizers: ["f/x"] },
      spec: { template: { spec: { containers: [{ name: "c", image: "i", env: [] }] } } },
    });
  });
});

describe("strategic merge patch: what it refuses", () => {
  const cases: Array<[string, unknown, string]> = [
    ["a patch that is not an object", [1], "must be a JSON object"],
    [
      "an unknown directive",
      { metadata: { $frobnicate: 1 } },
      'metadata["$frobnicate"]: unknown directive "$frobnicate"',
    ],
    [
      "$retainKeys",
      { spec: { strategy: { $retainKeys: ["type"] } } },
      "$retainKeys directive is not supported",
    ],
    [
      "$setElementOrder",
      { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }] } } } },
      "$setElementOrder directive is not supported",
    ],
    [
      "an unknown $patch",
      { metadata: { labels: { $patch: "merge" } } },
      '$patch must be "replace" or "delete"',
    ],
    [
      "a keyed item without its key",
      { spec: { template: { spec: { containers: [{ image: "x" }] } } } },
      'spec.template.spec.containers[0]: an item of this list needs its merge key "name"',
    ],
    [
      "a keyed item that is not an object",
      { spec: { template: { spec: { containers: ["web"] } } } },
      "expected an object",
    ],
    [
      "$patch: delete in a list without a merge key",
      { spec: { template: { spec: { tolerations: [{ key: "spot", $patch: "delete" }] } } } },
      "$patch: delete needs a list with a merge key",
    ],
    [
      "an object in a set of values",
      { metadata: { finalizers: [{ name: "x" }] } },
      "metadata.finalizers[0]: expected a scalar",
    ],
    [
      "$deleteFromPrimitiveList on a list of objects",
      { spec: { template: { spec: { "$deleteFromPrimitiveList/containers": ["web"] } } } },
      "containers is a list of objects",
    ],
    [
      "$deleteFromPrimitiveList with objects",
      { metadata: { "$deleteFromPrimitiveList/finalizers": [{}] } },
      "expected a list of scalars",
    ],
    ["$patch: delete of the whole object", { $patch: "delete" }, "use Delete instead"],
  ];
  it.each(cases)("rejects %s with InvalidPatchError", (_, patch, message) => {
    let error: unknown;
    try {
      patchDeployment(web, patch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPatchError);
    expect((error as Error).message).toContain(message);
  });

  it("rejects __proto__ keys and leaves Object.prototype alone", () => {
    const hostile = JSON.parse(
      '{"metadata": {"labels": {"__proto__": {"polluted": "yes"}}}}',
    ) as unknown;
    expect(() => patchDeployment(web, hostile)).toThrow(InvalidPatchError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// Test data lives next to the codec's sources; tests run from dist/, so resolve from the repo.
const shop = readFileSync(
  fileURLToPath(new URL("../../src/codec/testdata/shop.yaml", import.meta.url)),
  "utf8",
);

describe("patches round-trip through the manifest codec", () => {
  const decoded = decodeManifests(shop).find((o) => o.kind.kind === "Deployment");
  if (decoded === undefined) throw new Error("shop.yaml has no Deployment");
  const stored = encodeObject(decoded.kind, decoded.object);

  it("strategic: decodeObject(patch(encodeObject(stored))) is the stored object with the change", () => {
    const patched = applyStrategicMergePatch(decoded.kind.descriptor, stored, {
      spec: {
        replicas: 4,
        template: {
          spec: {
            containers: [
              {
                name: "web",
                image: "shop/web:1.5.0",
                env: [
                  { name: "POD_IP", $patch: "delete" },
                  { name: "FEATURE_X", value: "on" },
                ],
                resources: { limits: { memory: "1Gi" } },
              },
            ],
          },
        },
      },
    });
    const [result] = decodeObject(patched);
    const object = result?.object;
    expect(at(object, "spec", "replicas")).toBe(4);
    const container = at(object, "spec", "template", "spec", "containers", 0);
    expect(at(container, "image")).toBe("shop/web:1.5.0");
    expect((at(container, "env") as Json[]).map((e) => e.name)).toEqual([
      "SHOP_MODE",
      "POD_NAME",
      "FEATURE_X",
    ]);
    expect(at(container, "resources", "limits")).toEqual({
      cpu: { string: "1" },
      memory: { string: "1Gi" },
    });
    // Everything the patch did not name is as it was.
    expect(encodeObject(decoded.kind, object)).toEqual(
      applyJsonPatch(stored, [
        { op: "replace", path: "/spec/replicas", value: 4 },
        { op: "replace", path: "/spec/template/spec/containers/0/image", value: "shop/web:1.5.0" },
        { op: "remove", path: "/spec/template/spec/containers/0/env/2" },
        {
          op: "add",
          path: "/spec/template/spec/containers/0/env/-",
          value: { name: "FEATURE_X", value: "on" },
        },
        {
          op: "replace",
          path: "/spec/template/spec/containers/0/resources/limits/memory",
          value: "1Gi",
        },
      ]),
    );
  });

  it("merge and JSON patches decode the same way", () => {
    const merged = applyMergePatch(stored, { spec: { paused: true } });
    expect(at(decodeObject(merged)[0]?.object, "spec", "paused")).toBe(true);
    const jsonPatched = applyJsonPatch(stored, [
      { op: "add", path: "/spec/template/metadata/labels/version", value: "v2" },
    ]);
    expect(
      at(decodeObject(jsonPatched)[0]?.object, "spec", "template", "metadata", "labels"),
    ).toEqual({ app: "web", tier: "frontend", version: "v2" });
  });

  it("a patch producing bad fields is reported by decodeObject, with every path", () => {
    const patched = applyStrategicMergePatch(decoded.kind.descriptor, stored, {
      spec: {
        replicas: -1,
        template: { spec: { containers: [{ name: "web", imagePolicy: "Always" }] } },
      },
    });
    let error: unknown;
    try {
      decodeObject(patched);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).violations.map((v) => v.field)).toEqual([
      "spec.replicas",
      "spec.template.spec.containers[0].imagePolicy",
    ]);
  });
});
