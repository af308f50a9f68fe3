import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { messageFns } from "../kinds/message-fns.js";
import { ManifestError } from "./violations.js";
import { decodeManifests, decodeObject, toJson, toYaml, type DecodedObject } from "./manifest.js";

// Test data lives next to the sources; tests run from dist/, so resolve from the repo.
const testdata = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../src/codec/testdata/${name}`, import.meta.url)), "utf8");

type Json = Record<string, unknown>;
const at = (o: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);

function decodeError(text: string): ManifestError {
  try {
    decodeManifests(text, { source: "test.yaml" });
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error("expected a ManifestError");
}

describe("manifest codec: a realistic manifest set", () => {
  const shop = testdata("shop.yaml");

  it("decodes every document into typed objects", () => {
    const objects = decodeManifests(shop, { source: "shop.yaml" });
    expect(
      objects.map((o) => `${o.kind.kind}/${String(at(o.object, "metadata", "name"))}`),
    ).toEqual(["Namespace/shop", "Deployment/web", "Service/web", "Ingress/shop"]);
    for (const o of objects) expect(o.warnings).toEqual([]);
    const deploy = objects[1]?.object;
    expect(at(deploy, "spec", "replicas")).toBe(3);
    // IntOrString: "25%" stays a string, 0 an integer.
    expect(at(deploy, "spec", "strategy", "rollingUpdate", "maxSurge")).toEqual({
      value: { $case: "strVal", value: "25%" },
    });
    expect(at(deploy, "spec", "strategy", "rollingUpdate", "maxUnavailable")).toEqual({
      value: { $case: "intVal", value: 0 },
    });
    const container = at(deploy, "spec", "template", "spec", "containers", 0);
    // Quantities are canonical: 1 -> "1", 0.5Gi -> "512Mi".
    expect(at(container, "resources", "limits")).toEqual({
      cpu: { string: "1" },
      memory: { string: "512Mi" },
    });
    expect(at(container, "resources", "requests", "memory")).toEqual({ string: "128Mi" });
    expect(at(container, "readinessProbe", "handler")).toMatchObject({ $case: "httpGet" });
    expect(at(container, "env", 1, "valueFrom", "fieldRef", "fieldPath")).toBe("metadata.name");
    const svcPorts = at(objects[2]?.object, "spec", "ports") as Json[];
    expect(svcPorts[0]?.targetPort).toEqual({ value: { $case: "strVal", value: "http" } });
    expect(svcPorts[1]?.targetPort).toEqual({ value: { $case: "intVal", value: 9090 } });
  });

  it("round-trips byte-for-byte stable on a second round trip, in YAML and JSON", () => {
    const first = toYaml(decodeManifests(shop));
    const second = toYaml(decodeManifests(first));
    expect(second).toBe(first);
    const json = toJson(decodeManifests(first));
    expect(toJson(decodeManifests(json))).toBe(json);
    expect(toYaml(decodeManifests(json))).toBe(first);
  });

  it("prints what users wrote, in Kubernetes' field order and spelling", () => {
    const yaml = toYaml(decodeManifests(shop));
    expect(yaml).toContain(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n",
    );
    expect(yaml).toContain("targetPort: http\n");
    expect(yaml).toContain("maxSurge: 25%\n");
    expect(yaml).toContain("memory: 512Mi\n");
    expect(yaml).toContain('cpu: "1"\n');
    // Unset fields are omitted, as Kubernetes omits them.
    expect(yaml).not.toMatch(/: ""\n/);
    expect(yaml).not.toContain("[]");
  });

  it("produces objects the generated protobuf code encodes and decodes losslessly", () => {
    for (const o of decodeManifests(shop)) {
      const fns = messageFns(o.kind.typeName);
      const wire = fns.encode(o.object).finish();
      const back = fns.decode(wire);
      expect(toYaml([{ kind: o.kind, object: back }])).toBe(toYaml([o]));
    }
  });

  it("keeps meaningful zeros and drops plain ones", () => {
    const [o] = decodeManifests(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle}
spec:
  replicas: 0
  selector: {matchLabels: {app: idle}}
  template:
    metadata: {labels: {app: idle}}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: c, image: busybox}]
`);
    const yaml = toYaml([o as DecodedObject]);
    expect(yaml).toContain("replicas: 0\n");
    expect(yaml).toContain("terminationGracePeriodSeconds: 0\n");
  });
});

describe("manifest codec: mistakes", () => {
  it("reports every problem with its path in one error", () => {
    const err = decodeError(testdata("mistakes.yaml"));
    const lines = err.violations.map((v) => `${v.document} ${v.field}: ${v.description}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^1 metadata\.name: Invalid value: "Web_App": a lowercase RFC 1123 subdomain/,
        ),
        "1 spec.replicas: Invalid value: -2: must be greater than or equal to 0",
        '1 spec.template.spec.containers[0].imagePolicy: unknown field (did you mean "imagePullPolicy"?)',
        '1 spec.template.spec.containers[0].resources.requests.memory: "12 parsecs" is not a quantity (examples: 500m, 256Mi, 1.5Gi, 2)',
        expect.stringMatching(
          /^2 kind: Unsupported value: "Deploymnet": no kind "Deploymnet" in "apps\/v1"/,
        ),
      ]),
    );
    expect(err.violations).toHaveLength(5);
    expect(err.message).toContain("5 problems in test.yaml:");
    expect(err.message).toContain("document 1 (Deployment Web_App): spec.replicas:");
  });

  it.each([
    [
      "a string where a number belongs",
      "replicas: three",
      'spec.replicas: expected an integer, got string "three"',
    ],
    [
      "a number where a string belongs",
      "minReadySeconds: 1\n  paused: yes",
      'spec.paused: expected true or false, got string "yes"',
    ],
    [
      "an enumeration outside its values",
      "strategy: {type: Sideways}",
      'spec.strategy.type: Unsupported value: "Sideways": supported values: "Recreate", "RollingUpdate"',
    ],
    [
      "an int32 overflow",
      "replicas: 4294967296",
      "spec.replicas: Invalid value: 4294967296: must be between -2147483648 and 2147483647",
    ],
  ])("rejects %s", (_what, specLine, expected) => {
    const err = decodeError(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  ${specLine}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web}]}
`);
    expect(err.violations.map((v) => `${v.field}: ${v.description}`)).toContain(expected);
  });

  it("names the kind's apiVersion when a kind is under the wrong one", () => {
    const err = decodeError("apiVersion: v1\nkind: Deployment\nmetadata: {name: web}\n");
    expect(err.violations[0]).toMatchObject({
      field: "apiVersion",
      description: 'Unsupported value: "v1": kind Deployment is served as "apps/v1"',
    });
  });

  it("rejects bad label keys and values, a missing name, a namespace on a cluster-scoped kind", () => {
    const err = decodeError(`apiVersion: v1
kind: Node
metadata:
  namespace: default
  labels: {"bad key!": x, ok: "not ok!"}
`);
    const fields = err.violations.map((v) => v.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "metadata.name",
        "metadata.namespace",
        'metadata.labels["bad key!"]',
        "metadata.labels.ok",
      ]),
    );
  });

  it("checks a pod template's label and annotation keys as an object's", () => {
    const err = decodeError(`apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, "bad key!": x}
      annotations: {"also bad!": y}
    spec:
      containers: [{name: c, image: i}]
`);
    expect(err.violations.map((v) => v.field)).toEqual([
      'spec.template.metadata.labels["bad key!"]',
      'spec.template.metadata.annotations["also bad!"]',
    ]);
  });

  it("reports YAML syntax errors with line and column", () => {
    const err = decodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n");
    expect(err.violations[0]?.description).toMatch(/^YAML syntax error at line \d+, column \d+/);
  });

  it("quotes the hint for a number given to a string field", () => {
    const err = decodeError(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: busybox
      env: [{name: PORT, value: 8080}]
`);
    expect(err.violations.map((v) => `${v.field}: ${v.description}`)).toEqual([
      'spec.containers[0].env[0].value: expected a string, got number 8080 (quote it: "8080")',
    ]);
  });
});

describe("manifest codec: accepted with a warning", () => {
  it("accepts documented Kubernetes-only fields, drops them and warns", () => {
    const [o] = decodeManifests(`apiVersion: v1
kind: Pod
metadata:
  name: p
  creationTimestamp: null
  managedFields: [{manager: kubectl}]
spec:
  dnsPolicy: ClusterFirst
  serviceAccountName: default
  containers:
    - name: c
      image: busybox
      terminationMessagePolicy: File
`);
    expect(o?.warnings).toEqual([
      "metadata.managedFields: ignored: server-side apply field tracking is not supported",
      "spec.dnsPolicy: ignored: k8ts has no cluster DNS policy to choose",
      "spec.serviceAccountName: ignored: service accounts are not supported",
      "spec.containers[0].terminationMessagePolicy: ignored: termination messages are not supported",
    ]);
    expect(toYaml([o as DecodedObject])).not.toContain("dnsPolicy");
  });
});

describe("manifest codec: lists", () => {
  it("expands kubectl's kind: List", () => {
    const objects = decodeObject({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "b" } },
      ],
    });
    expect(objects.map((o) => at(o.object, "metadata", "name"))).toEqual(["a", "b"]);
  });
});
