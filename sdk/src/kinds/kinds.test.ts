import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { allKinds, kindForManifest, lookupKind } from "./kinds.js";
import { messageFns } from "./message-fns.js";

describe("kinds registry", () => {
  it("lists every kind with the names kubectl users type", () => {
    const table = allKinds().map((k) => [
      k.kind,
      k.apiVersion,
      k.plural,
      k.shortNames.join(","),
      k.namespaced,
    ]);
    expect(table).toEqual(
      expect.arrayContaining([
        ["Namespace", "v1", "namespaces", "ns", false],
        ["Node", "v1", "nodes", "no", false],
        ["Pod", "v1", "pods", "po", true],
        ["ReplicaSet", "apps/v1", "replicasets", "rs", true],
        ["Deployment", "apps/v1", "deployments", "deploy", true],
        ["Service", "v1", "services", "svc", true],
        ["Endpoints", "v1", "endpoints", "ep", true],
        ["Ingress", "networking.k8s.io/v1", "ingresses", "ing", true],
        ["Event", "v1", "events", "ev", true],
        ["Lease", "coordination.k8s.io/v1", "leases", "", true],
      ]),
    );
    expect(table).toHaveLength(10);
  });

  it("finds a kind by kind, plural, singular or short name, any case", () => {
    for (const name of ["Deployment", "deployments", "deployment", "deploy", "DEPLOY"])
      expect(lookupKind(name)?.kind).toBe("Deployment");
    expect(lookupKind("ep")?.kind).toBe("Endpoints");
    expect(lookupKind("nope")).toBeUndefined();
    expect(kindForManifest("apps/v1", "Deployment")?.serviceName).toBe("k8ts.api.v1.Deployments");
    expect(kindForManifest("v1", "Deployment")).toBeUndefined();
    expect(lookupKind("endpoints")?.serviceName).toBe("k8ts.api.v1.EndpointsService");
  });

  it("has generated functions and a gRPC service for every kind", () => {
    for (const k of allKinds()) {
      expect(() => messageFns(k.typeName)).not.toThrow();
      expect(k.descriptor.file.proto.package).toBe("k8ts.api.v1");
    }
  });

  it("matches the kinds table in docs/manifests.md", () => {
    const doc = readFileSync(
      fileURLToPath(new URL("../../../docs/manifests.md", import.meta.url)),
      "utf8",
    );
    for (const k of allKinds()) {
      const row = `| ${k.kind} | ${k.apiVersion} | ${k.plural} | ${k.shortNames.join(", ")} | ${k.namespaced ? "yes" : "no"} |`;
      expect(doc).toContain(row.replace("|  |", "| |"));
    }
  });
});
