import { describe, expect, it } from "vitest";
import { deployment, replicaSet } from "./deployment-fixtures.js";
import { findActiveOrLatest, findNewReplicaSet, findOldReplicaSets } from "./replica-set-groups.js";

describe("the new ReplicaSet", () => {
  it("is the oldest whose template equals the Deployment's, ignoring the hash label", () => {
    const d = deployment({ image: "busybox:2" });
    const a = replicaSet("a", { replicas: 1, image: "busybox:1", created: 1 });
    const b = replicaSet("b", { replicas: 1, image: "busybox:2", created: 3 });
    const c = replicaSet("c", { replicas: 1, image: "busybox:2", created: 2 });
    expect(findNewReplicaSet(d, [a, b, c])?.metadata?.name).toBe("c");
    expect(findOldReplicaSets([a, b, c], c).map((rs) => rs.metadata?.name)).toEqual(["a", "b"]);
    expect(findNewReplicaSet(deployment({ image: "busybox:3" }), [a, b, c])).toBeUndefined();
  });
});

describe("the active or latest ReplicaSet", () => {
  it("is the only active one, or the new one, or the newest old one", () => {
    const old1 = replicaSet("old1", { replicas: 0, created: 1 });
    const old2 = replicaSet("old2", { replicas: 0, created: 2 });
    const neu = replicaSet("new", { replicas: 0, created: 3 });
    expect(findActiveOrLatest(neu, [old1, old2])?.metadata?.name).toBe("new");
    expect(findActiveOrLatest(undefined, [old1, old2])?.metadata?.name).toBe("old2");
    const active = replicaSet("old1", { replicas: 2, created: 1 });
    expect(findActiveOrLatest(neu, [active, old2])?.metadata?.name).toBe("old1");
    expect(findActiveOrLatest(replicaSet("new", { replicas: 1 }), [active])).toBeUndefined();
    expect(findActiveOrLatest(undefined, [])).toBeUndefined();
  });
});
