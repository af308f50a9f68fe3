import { describe, expect, it } from "vitest";
import { deployment, replicaSet } from "./deployment-fixtures.js";
import {
  CHANGE_CAUSE_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  appendRevisionHistory,
  maxRevision,
  replicaSetsToCleanUp,
  setNewReplicaSetAnnotations,
} from "./revision-history.js";

describe("revisions", () => {
  it("the new ReplicaSet gets the highest old revision + 1", () => {
    const old = [
      replicaSet("a", { replicas: 0, revision: 1 }),
      replicaSet("b", { replicas: 0, revision: 4 }),
    ];
    expect(maxRevision(old)).toBe(4);
    expect(maxRevision([])).toBe(0);
  });

  it("a new ReplicaSet gets the Deployment's annotations, its revision and the replicas annotations", () => {
    const d = deployment({
      replicas: 3,
      annotations: {
        [CHANGE_CAUSE_ANNOTATION]: "image busybox:2",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        [REVISION_ANNOTATION]: "7",
        team: "blue",
      },
    });
    const a: Record<string, string> = {};
    expect(setNewReplicaSetAnnotations(d, a, 3, false, { desired: 3, max: 4 })).toBe(true);
    expect(a).toEqual({
      [CHANGE_CAUSE_ANNOTATION]: "image busybox:2",
      team: "blue",
      [REVISION_ANNOTATION]: "3",
      [DESIRED_REPLICAS_ANNOTATION]: "3",
      [MAX_REPLICAS_ANNOTATION]: "4",
    });
    expect(setNewReplicaSetAnnotations(d, a, 3, true, { desired: 3, max: 4 })).toBe(false);
  });

  it("an old ReplicaSet that becomes new again keeps its earlier revisions in the history", () => {
    const d = deployment();
    const a: Record<string, string> = { [REVISION_ANNOTATION]: "1" };
    expect(setNewReplicaSetAnnotations(d, a, 3, true, { desired: 3, max: 4 })).toBe(true);
    expect(a[REVISION_ANNOTATION]).toBe("3");
    expect(a[REVISION_HISTORY_ANNOTATION]).toBe("1");
    setNewReplicaSetAnnotations(d, a, 5, true, { desired: 3, max: 4 });
    expect(a[REVISION_HISTORY_ANNOTATION]).toBe("1,3");
    // Never lowered (an old ReplicaSet was deleted since).
    expect(setNewReplicaSetAnnotations(d, a, 2, true, { desired: 3, max: 4 })).toBe(false);
    expect(a[REVISION_ANNOTATION]).toBe("5");
    expect(a[DESIRED_REPLICAS_ANNOTATION]).toBeUndefined();
  });

  it("the history drops its oldest entries to stay within the length limit", () => {
    expect(appendRevisionHistory(undefined, "1")).toBe("1");
    expect(appendRevisionHistory("1,2,3", "4", 7)).toBe("1,2,3,4");
    expect(appendRevisionHistory("1,2,3", "4", 6)).toBe("2,3,4");
    expect(appendRevisionHistory("1", "12345", 3)).toBeUndefined();
  });
});

describe("old revisions cleanup", () => {
  const noPods = () => 0;

  it("deletes the lowest revisions beyond revisionHistoryLimit", () => {
    const d = deployment({ revisionHistoryLimit: 2 });
    const old = [4, 1, 3, 2].map((r) =>
      replicaSet(`r${r}`, { replicas: 0, revision: r, created: r }),
    );
    expect(replicaSetsToCleanUp(d, old, noPods).map((rs) => rs.metadata?.name)).toEqual([
      "r1",
      "r2",
    ]);
    expect(replicaSetsToCleanUp(deployment({ revisionHistoryLimit: 4 }), old, noPods)).toEqual([]);
  });

  it("never deletes one that has or may have pods", () => {
    const d = deployment({ revisionHistoryLimit: 0 });
    const scaled = replicaSet("scaled", { replicas: 1, revision: 1 });
    const running = replicaSet("running", { replicas: 0, actual: 1, revision: 2 });
    const unobserved = replicaSet("unobserved", {
      replicas: 0,
      revision: 3,
      generation: 2,
      observedGeneration: 1,
    });
    const withPods = replicaSet("with-pods", { replicas: 0, revision: 4 });
    const empty = replicaSet("empty", { replicas: 0, revision: 5 });
    const out = replicaSetsToCleanUp(d, [scaled, running, unobserved, withPods, empty], (rs) =>
      rs === withPods ? 1 : 0,
    );
    expect(out.map((rs) => rs.metadata?.name)).toEqual(["empty"]);
  });

  it("does not count ReplicaSets already being deleted", () => {
    const d = deployment({ revisionHistoryLimit: 1 });
    const going = replicaSet("going", { replicas: 0, revision: 1, deleting: true });
    const kept = replicaSet("kept", { replicas: 0, revision: 2 });
    expect(replicaSetsToCleanUp(d, [going, kept], noPods)).toEqual([]);
  });
});
