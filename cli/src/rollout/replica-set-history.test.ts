import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { describe, expect, it } from "vitest";
import {
  controlledReplicaSets,
  historyTable,
  revisionTemplateText,
  revisions,
} from "./replica-set-history.js";

const web = Deployment.fromPartial({ metadata: { name: "web", uid: "uid-web" } });

function replicaSet(
  name: string,
  revision: string | undefined,
  options: { owner?: string; controller?: boolean; changeCause?: string; image?: string } = {},
): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (revision !== undefined) annotations["deployment.kubernetes.io/revision"] = revision;
  if (options.changeCause !== undefined)
    annotations["kubernetes.io/change-cause"] = options.changeCause;
  return ReplicaSet.fromPartial({
    metadata: {
      name,
      annotations,
      ownerReferences: [
        {
          kind: "Deployment",
          name: "web",
          uid: options.owner ?? "uid-web",
          controller: options.controller ?? true,
        },
      ],
    },
    spec: {
      template: {
        metadata: { labels: { app: "web", "pod-template-hash": `${name}-hash` } },
        spec: { containers: [{ name: "web", image: options.image ?? "k8ts/web:1.0" }] },
      },
    },
  });
}

describe("rollout history", () => {
  it("takes the ReplicaSets the deployment controls", () => {
    const sets = [
      replicaSet("web-a", "1"),
      replicaSet("other", "1", { owner: "uid-other" }),
      replicaSet("adopted-not", "1", { controller: false }),
    ];
    expect(controlledReplicaSets(web, sets).map((rs) => rs.metadata?.name)).toEqual(["web-a"]);
  });

  it("lists revisions in order with their change cause", () => {
    const history = revisions([
      replicaSet("web-c", "10", { changeCause: "k8ts set image deploy/web web=k8ts/web:1.2" }),
      replicaSet("web-a", "2"),
      replicaSet("web-x", undefined),
      replicaSet("web-y", "bad"),
    ]);
    expect(history.map((r) => r.revision)).toEqual([2, 10]);
    expect(historyTable(history)).toBe(
      "REVISION  CHANGE-CAUSE\n" +
        "2         <none>\n" +
        "10        k8ts set image deploy/web web=k8ts/web:1.2\n",
    );
  });

  it("prints one revision's pod template", () => {
    const [entry] = revisions([replicaSet("web-a", "1", { changeCause: "first" })]);
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    const text = revisionTemplateText(entry);
    expect(text).toMatch(
      /^Pod Template:\n {2}Labels:\s+app=web\n\s+pod-template-hash=web-a-hash\n/,
    );
    expect(text).toMatch(/^ {2}Annotations:\s+kubernetes.io\/change-cause: first$/m);
    expect(text).toMatch(/^ {4}web:\n\s+Image:\s+k8ts\/web:1.0$/m);
  });
});
