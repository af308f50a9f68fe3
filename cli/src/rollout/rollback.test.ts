import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { describe, expect, it } from "vitest";
import { revisions } from "./replica-set-history.js";
import {
  rollbackAnnotations,
  rollbackPatch,
  rollbackRevision,
  sameTemplate,
  templateManifest,
} from "./rollback.js";

function replicaSet(revision: string, image: string, changeCause?: string): ReplicaSet {
  return ReplicaSet.fromPartial({
    metadata: {
      name: `web-${revision}`,
      annotations: {
        "deployment.kubernetes.io/revision": revision,
        "deployment.kubernetes.io/desired-replicas": "3",
        ...(changeCause === undefined ? {} : { "kubernetes.io/change-cause": changeCause }),
      },
    },
    spec: {
      template: {
        metadata: { labels: { app: "web", "pod-template-hash": `hash-${revision}` } },
        spec: { containers: [{ name: "web", image }] },
      },
    },
  });
}

const history = revisions([
  replicaSet("1", "k8ts/web:1.0", "first"),
  replicaSet("3", "k8ts/web:1.2"),
  replicaSet("2", "k8ts/web:1.1"),
]);

const web = Deployment.fromPartial({
  metadata: {
    name: "web",
    resourceVersion: "42",
    annotations: {
      "deployment.kubernetes.io/revision": "3",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "kubernetes.io/change-cause": "third",
      team: "blue",
    },
  },
  spec: {
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "k8ts/web:1.2" }] },
    },
  },
});

describe("rollout undo", () => {
  it("goes back to the previous revision by default, or the one asked for", () => {
    expect(rollbackRevision("web", history, 0).revision).toBe(2);
    expect(rollbackRevision("web", history, 1).revision).toBe(1);
    expect(() => rollbackRevision("web", history, 7)).toThrow(
      "unable to find specified revision 7 in history",
    );
    expect(() => rollbackRevision("web", history.slice(0, 1), 0)).toThrow(
      'no rollout history found for deployment "web"',
    );
  });

  it("compares templates without the hash label", () => {
    const current = history.find((r) => r.revision === 3)?.replicaSet;
    const previous = history.find((r) => r.revision === 2)?.replicaSet;
    expect(sameTemplate(current?.spec?.template, web.spec?.template)).toBe(true);
    expect(sameTemplate(previous?.spec?.template, web.spec?.template)).toBe(false);
  });

  it("patches the template and the change cause, pinned to the version read", () => {
    const rs = rollbackRevision("web", history, 1).replicaSet;
    expect(templateManifest(rs.spec?.template)).toEqual({
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "k8ts/web:1.0" }] },
    });
    expect(rollbackAnnotations(web, rs)).toEqual({
      "deployment.kubernetes.io/revision": "3",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "kubernetes.io/change-cause": "first",
      team: "blue",
    });
    const patch = rollbackPatch(web, rs);
    expect(patch[0]).toEqual({ op: "test", path: "/metadata/resourceVersion", value: "42" });
    expect(patch.map((op) => `${op.op} ${op.path}`)).toEqual([
      "test /metadata/resourceVersion",
      "replace /spec/template",
      "add /metadata/annotations",
    ]);
    // A revision without a cause takes the cause away.
    const two = rollbackRevision("web", history, 2).replicaSet;
    expect(rollbackAnnotations(web, two)["kubernetes.io/change-cause"]).toBeUndefined();
  });
});
