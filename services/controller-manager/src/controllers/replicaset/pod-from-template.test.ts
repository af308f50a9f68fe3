import { describe, expect, it } from "vitest";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { newControllerRef } from "../../controller-ref.js";
import { podFromTemplate } from "./pod-from-template.js";

describe("podFromTemplate", () => {
  it("copies the template and names the ReplicaSet as controller", () => {
    const rs = ReplicaSet.fromPartial({
      metadata: { name: "web-abc", namespace: "ns", uid: "u1", labels: { rs: "only" } },
      spec: {
        template: {
          metadata: { labels: { app: "web" }, annotations: { note: "x" }, name: "ignored" },
          spec: { containers: [{ name: "main", image: "web:1" }] },
        },
      },
    });
    const ref = newControllerRef({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "web-abc",
      namespace: "ns",
      uid: "u1",
    });
    const pod = podFromTemplate(rs, ref);
    expect(pod.metadata?.name).toBe("");
    expect(pod.metadata?.generateName).toBe("web-abc-");
    expect(pod.metadata?.namespace).toBe("ns");
    expect(pod.metadata?.labels).toEqual({ app: "web" });
    expect(pod.metadata?.annotations).toEqual({ note: "x" });
    expect(pod.metadata?.ownerReferences).toEqual([ref]);
    expect(pod.spec?.containers.map((c) => c.image)).toEqual(["web:1"]);
    // The template is not shared with the pod.
    if (pod.metadata !== undefined) pod.metadata.labels.app = "changed";
    expect(rs.spec?.template?.metadata?.labels).toEqual({ app: "web" });
  });
});
