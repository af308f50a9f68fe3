import { decodeManifests, encodeObject, lookupKind, type KindInfo } from "@k8ts/sdk";
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { describe, expect, it } from "vitest";
import {
  LAST_APPLIED,
  appliedManifest,
  isExported,
  planApply,
  typedObject,
  type ApplyPlan,
} from "./apply-plan.js";

const deploymentKind = lookupKind("Deployment") as KindInfo;

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
          ports: [{name: http, containerPort: 8080}]
          resources: {limits: {memory: 0.5Gi}}
`;

function decode(text: string): unknown {
  const [d] = decodeManifests(text);
  if (d === undefined) throw new Error("no document");
  return d.object;
}

function manifestOf(text: string): Record<string, unknown> {
  return appliedManifest(deploymentKind, decode(text), "default");
}

/** What the server stores for a create: server-set metadata, defaults, status. */
function created(plan: ApplyPlan): Deployment {
  if (plan.action.type !== "create") throw new Error(`expected a create, got ${plan.action.type}`);
  const d = typedObject(plan.action.manifest) as Deployment;
  if (d.metadata === undefined || d.spec?.template?.spec === undefined)
    throw new Error("incomplete object");
  d.metadata.uid = "0b7c";
  d.metadata.resourceVersion = "7";
  d.metadata.generation = 1;
  d.metadata.creationTimestamp = new Date("2024-05-01T12:00:00Z");
  d.spec.replicas ??= 1;
  d.spec.strategy = { type: "RollingUpdate", rollingUpdate: undefined };
  for (const c of d.spec.template.spec.containers) for (const p of c.ports) p.protocol ||= "TCP";
  d.status = {
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    unavailableReplicas: 0,
    conditions: [],
    collisionCount: undefined,
  };
  return d;
}

function plan(text: string, live: unknown, exported = false): ApplyPlan {
  return planApply(deploymentKind, manifestOf(text), live, exported);
}

describe("apply planning", () => {
  it("creates a new object, recording the normalized manifest it applied", () => {
    const p = plan(MANIFEST, undefined);
    expect(p.action.type).toBe("create");
    if (p.action.type !== "create") return;
    const meta = p.action.manifest.metadata as {
      namespace: string;
      annotations: Record<string, string>;
    };
    expect(meta.namespace).toBe("default");
    const recorded = JSON.parse(meta.annotations[LAST_APPLIED] ?? "") as Record<string, unknown>;
    expect(recorded).toEqual(manifestOf(MANIFEST));
    expect(JSON.stringify(recorded)).toContain('"memory":"512Mi"');
  });

  it("leaves an object alone when the manifest did not change, however its values are spelled", () => {
    const live = created(plan(MANIFEST, undefined));
    expect(plan(MANIFEST, live).action).toEqual({ type: "unchanged" });
    expect(plan(MANIFEST.replace("0.5Gi", "512Mi"), live).action).toEqual({ type: "unchanged" });
  });

  it("keeps what others set (replicas by scale) when the manifest does not set it", () => {
    const live = created(plan(MANIFEST, undefined));
    if (live.spec !== undefined) live.spec.replicas = 3;
    expect(plan(MANIFEST, live).action).toEqual({ type: "unchanged" });
    const withReplicas = MANIFEST.replace("spec:\n  selector", "spec:\n  replicas: 2\n  selector");
    const p = plan(withReplicas, live);
    expect(p.action.type).toBe("patch");
    if (p.action.type === "patch") expect(p.action.patch.spec).toEqual({ replicas: 2 });
  });

  it("deletes what the manifest dropped since the last apply", () => {
    const live = created(plan(MANIFEST, undefined));
    const p = plan(MANIFEST.replace(", tier: front", ""), live);
    expect(p.action.type).toBe("patch");
    if (p.action.type !== "patch") return;
    const meta = p.action.patch.metadata as {
      labels: unknown;
      annotations: Record<string, string>;
    };
    expect(meta.labels).toEqual({ tier: null });
    expect(meta.annotations[LAST_APPLIED]).not.toContain("tier");
  });

  it("applies `get -o yaml` output as unchanged: server fields and defaults are not changes", () => {
    const live = created(plan(MANIFEST, undefined));
    const exported = encodeObject(deploymentKind, live);
    const decoded = decode(JSON.stringify(exported));
    expect(isExported(decoded)).toBe(true);
    const manifest = appliedManifest(deploymentKind, decoded, "default");
    expect(manifest.status).toBeUndefined();
    expect(manifest.metadata).not.toHaveProperty("uid");
    expect(planApply(deploymentKind, manifest, live, true).action).toEqual({ type: "unchanged" });
  });

  it("adds the annotation to an object made without apply, unless the input is exported", () => {
    const live = created(plan(MANIFEST, undefined));
    delete live.metadata?.annotations[LAST_APPLIED];
    const p = plan(MANIFEST, live);
    expect(p.action).toMatchObject({ type: "patch", missingLastApplied: true });
    expect(plan(MANIFEST, live, true).action).toEqual({ type: "unchanged" });
  });

  it("warns about an unreadable last-applied annotation and still applies", () => {
    const live = created(plan(MANIFEST, undefined));
    if (live.metadata !== undefined) live.metadata.annotations[LAST_APPLIED] = "{not json";
    const p = plan(MANIFEST.replace("web:1", "web:2"), live);
    expect(p.action.type).toBe("patch");
    expect(p.warnings[0]).toContain("cannot be read");
  });
});
