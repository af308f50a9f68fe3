import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { ApiStatusError, labelSelectorMatcher, type KindClient } from "@k8ts/sdk";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import {
  ClaimError,
  OwnerChangedError,
  adoptPatch,
  claimDecision,
  claimObjects,
  controllerRefOf,
  newControllerRef,
  releasePatch,
  type OwnerInfo,
} from "./controller-ref.js";

const owner: OwnerInfo = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  name: "web",
  namespace: "ns",
  uid: "rs-uid",
};
const selector = labelSelectorMatcher({ matchLabels: { app: "web" }, matchExpressions: [] });
const other: OwnerReference = { ...newControllerRef({ ...owner, name: "x", uid: "other-uid" }) };

function pod(
  name: string,
  labels: Record<string, string>,
  refs: OwnerReference[] = [],
  extra: { deleting?: boolean; namespace?: string } = {},
): Pod {
  return Pod.fromPartial({
    metadata: {
      name,
      namespace: extra.namespace ?? "ns",
      uid: `${name}-uid`,
      resourceVersion: "7",
      labels,
      ownerReferences: refs,
      deletionTimestamp: extra.deleting === true ? new Date() : undefined,
    },
  });
}

interface PatchCall {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly patch: { metadata: { resourceVersion: string; ownerReferences: OwnerReference[] } };
}

/** A Pod client whose patch records the call and answers as a server would (or fails). */
function fakeClient(fail: (name: string) => ApiStatusError | undefined = () => undefined): {
  client: KindClient<Pod>;
  calls: PatchCall[];
} {
  const calls: PatchCall[] = [];
  const client = {
    patch: (name: string, patch: PatchCall["patch"], options: { namespace?: string }) => {
      calls.push({ name, namespace: options.namespace, patch });
      const error = fail(name);
      if (error !== undefined) return Promise.reject(error);
      return Promise.resolve(
        Pod.fromPartial({
          metadata: {
            name,
            namespace: options.namespace,
            resourceVersion: "8",
            ownerReferences: patch.metadata.ownerReferences,
          },
        }),
      );
    },
  };
  return { client: client as unknown as KindClient<Pod>, calls };
}

const notFound = new ApiStatusError(status.NOT_FOUND, "gone", [], "/Pods/Patch");
const conflict = new ApiStatusError(status.ABORTED, "conflict", [], "/Pods/Patch");

describe("controllerRefOf / newControllerRef", () => {
  it("finds the controller reference among owner references", () => {
    const plain = { ...newControllerRef(owner), uid: "plain", controller: false };
    const ref = newControllerRef(owner);
    expect(ref).toEqual({
      ...owner,
      namespace: undefined,
      controller: true,
      blockOwnerDeletion: true,
    });
    expect(controllerRefOf(pod("a", {}, [plain, ref]).metadata)).toEqual(ref);
    expect(controllerRefOf(pod("a", {}, [plain]).metadata)).toBeUndefined();
    expect(controllerRefOf(undefined)).toBeUndefined();
  });
});

describe("claimDecision", () => {
  const opts = { owner, selector, ownerDeleting: false };
  const mine = newControllerRef(owner);
  it("keeps owned matching objects, releases owned non-matching ones", () => {
    expect(claimDecision(pod("a", { app: "web" }, [mine]).metadata, opts)).toBe("owned");
    expect(claimDecision(pod("a", { app: "db" }, [mine]).metadata, opts)).toBe("release");
  });
  it("adopts matching orphans only", () => {
    expect(claimDecision(pod("a", { app: "web" }).metadata, opts)).toBe("adopt");
    expect(claimDecision(pod("a", { app: "db" }).metadata, opts)).toBe("ignore");
    expect(claimDecision(pod("a", { app: "web" }, [], { deleting: true }).metadata, opts)).toBe(
      "ignore",
    );
    expect(
      claimDecision(pod("a", { app: "web" }, [], { namespace: "elsewhere" }).metadata, opts),
    ).toBe("ignore");
  });
  it("leaves objects controlled by another owner alone", () => {
    expect(claimDecision(pod("a", { app: "web" }, [other]).metadata, opts)).toBe("ignore");
    expect(claimDecision(pod("a", { app: "db" }, [other]).metadata, opts)).toBe("ignore");
  });
  it("an owner being deleted adopts and releases nothing but keeps what it owns", () => {
    const deleting = { ...opts, ownerDeleting: true };
    expect(claimDecision(pod("a", { app: "web" }).metadata, deleting)).toBe("ignore");
    expect(claimDecision(pod("a", { app: "db" }, [mine]).metadata, deleting)).toBe("ignore");
    expect(claimDecision(pod("a", { app: "web" }, [mine]).metadata, deleting)).toBe("owned");
  });
});

describe("adoptPatch / releasePatch", () => {
  it("pin the resourceVersion and keep the other owner references", () => {
    const plain = { ...other, controller: false };
    const meta = pod("a", { app: "web" }, [plain]).metadata;
    if (meta === undefined) throw new Error("no metadata");
    expect(adoptPatch(meta, owner)).toEqual({
      metadata: { resourceVersion: "7", ownerReferences: [plain, newControllerRef(owner)] },
    });
    const owned = pod("a", {}, [plain, newControllerRef(owner)]).metadata;
    if (owned === undefined) throw new Error("no metadata");
    expect(releasePatch(owned, owner)).toEqual({
      metadata: { resourceVersion: "7", ownerReferences: [plain] },
    });
  });
});

describe("claimObjects", () => {
  const mine = newControllerRef(owner);
  const objects = [
    pod("owned", { app: "web" }, [mine]),
    pod("orphan", { app: "web" }),
    pod("stray", { app: "db" }, [mine]),
    pod("foreign", { app: "web" }, [other]),
    pod("unrelated", { app: "db" }),
  ];

  it("adopts orphans, releases strays and returns what the owner controls", async () => {
    const { client, calls } = fakeClient();
    let rechecks = 0;
    const claimed = await claimObjects(client, objects, {
      owner,
      selector,
      ownerDeleting: false,
      recheckOwner: () => {
        rechecks++;
        return Promise.resolve();
      },
    });
    expect(claimed.map((p) => p.metadata?.name)).toEqual(["owned", "orphan"]);
    expect(controllerRefOf(claimed[1]?.metadata)?.uid).toBe("rs-uid");
    expect(calls.map((c) => [c.name, c.namespace, c.patch.metadata.ownerReferences])).toEqual([
      ["orphan", "ns", [mine]],
      ["stray", "ns", []],
    ]);
    expect(rechecks).toBe(1);
  });

  it("checks the owner once and adopts nothing when it changed (releases still happen)", async () => {
    const { client, calls } = fakeClient();
    const orphans = [pod("o1", { app: "web" }), pod("o2", { app: "web" }), objects[2]].filter(
      (p): p is Pod => p !== undefined,
    );
    let rechecks = 0;
    const claim = claimObjects(client, orphans, {
      owner,
      selector,
      ownerDeleting: false,
      recheckOwner: () => {
        rechecks++;
        return Promise.reject(new OwnerChangedError(owner, "is being deleted"));
      },
    });
    await expect(claim).rejects.toBeInstanceOf(ClaimError);
    expect(rechecks).toBe(1);
    expect(calls.map((c) => c.name)).toEqual(["stray"]);
  });

  it("ignores objects that are gone and reports other failures after trying every object", async () => {
    const { client, calls } = fakeClient((name) =>
      name === "orphan" ? notFound : name === "stray" ? conflict : undefined,
    );
    const claim = claimObjects(client, [...objects, pod("orphan2", { app: "web" })], {
      owner,
      selector,
      ownerDeleting: false,
      recheckOwner: () => Promise.resolve(),
    });
    const error: unknown = await claim.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaimError);
    expect((error as ClaimError).errors).toEqual([conflict]);
    expect(calls.map((c) => c.name)).toEqual(["orphan", "stray", "orphan2"]);
  });

  it("does nothing for an owner being deleted", async () => {
    const { client, calls } = fakeClient();
    const claimed = await claimObjects(client, objects, {
      owner,
      selector,
      ownerDeleting: true,
      recheckOwner: () => Promise.reject(new Error("not called")),
    });
    expect(claimed.map((p) => p.metadata?.name)).toEqual(["owned"]);
    expect(calls).toEqual([]);
  });
});
