import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { ApiStatusError, lookupKind, type ApiClient, type KindInfo } from "@k8ts/sdk";
import { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { deleteNamespaceContent, groupResource, namespacedKinds } from "./content-deletion.js";

interface Stored {
  meta: ObjectMeta;
  /** Deleting it leaves it with a deletionTimestamp (a graceful Pod, a finalizer). */
  stays?: boolean;
  /** Deleting it fails with this code. */
  fails?: status;
}

/** A fake API of stored objects by kind; deletes behave as the apiserver's. */
function fakeApi(objects: Record<string, Stored[]>) {
  const deletes: string[] = [];
  const client = {
    kindFor: (info: KindInfo) => ({
      list: (o: { namespace: string; continue: string }) => {
        const all = (objects[info.kind] ?? []).filter((s) => s.meta.namespace === o.namespace);
        // Pages of one, to exercise continue tokens.
        const i = o.continue === "" ? 0 : Number(o.continue);
        return Promise.resolve({
          metadata: { resourceVersion: "1", continue: i + 1 < all.length ? String(i + 1) : "" },
          items: all.slice(i, i + 1).map((s) => ({ metadata: s.meta })),
        });
      },
      delete: (
        name: string,
        o: { namespace: string; options: { preconditions: { uid: string } } },
      ) => {
        const list = objects[info.kind] ?? [];
        const s = list.find((x) => x.meta.name === name && x.meta.namespace === o.namespace);
        if (s === undefined)
          return Promise.reject(new ApiStatusError(status.NOT_FOUND, "gone", [], ""));
        if (s.fails !== undefined)
          return Promise.reject(new ApiStatusError(s.fails, "boom", [], ""));
        if (s.meta.uid !== o.options.preconditions.uid)
          return Promise.reject(new ApiStatusError(status.ABORTED, "uid", [], ""));
        deletes.push(`${info.kind}/${name}`);
        if (s.stays === true)
          s.meta = ObjectMeta.fromPartial({ ...s.meta, deletionTimestamp: new Date() });
        else list.splice(list.indexOf(s), 1);
        return Promise.resolve({ metadata: s.meta });
      },
    }),
  } as unknown as ApiClient;
  return { client, deletes };
}

function meta(name: string, extra: Partial<ObjectMeta> = {}, namespace = "doomed"): ObjectMeta {
  return ObjectMeta.fromPartial({ name, namespace, uid: `uid-${name}`, ...extra });
}

const signal = new AbortController().signal;

describe("deleteNamespaceContent", () => {
  it("deletes every object of every namespaced kind in the namespace, and nothing elsewhere", async () => {
    const { client, deletes } = fakeApi({
      Pod: [{ meta: meta("a") }, { meta: meta("b") }, { meta: meta("other", {}, "kept") }],
      Service: [{ meta: meta("svc") }],
      Deployment: [{ meta: meta("web") }],
    });
    const report = await deleteNamespaceContent(client, "doomed", signal);
    expect(deletes.sort()).toEqual(["Deployment/web", "Pod/a", "Pod/b", "Service/svc"]);
    expect(report).toEqual({ remaining: new Map(), finalizers: new Map(), failures: [] });
  });

  it("counts what stays (graceful pods, finalizers) without deleting it twice", async () => {
    const { client, deletes } = fakeApi({
      Pod: [
        { meta: meta("running"), stays: true },
        { meta: meta("terminating", { deletionTimestamp: new Date() }) },
      ],
      ReplicaSet: [
        {
          meta: meta("rs", { deletionTimestamp: new Date(), finalizers: ["foregroundDeletion"] }),
        },
      ],
    });
    const report = await deleteNamespaceContent(client, "doomed", signal);
    expect(deletes).toEqual(["Pod/running"]);
    expect(report.remaining).toEqual(
      new Map([
        ["pods", 2],
        ["replicasets.apps", 1],
      ]),
    );
    expect(report.finalizers).toEqual(new Map([["foregroundDeletion", 1]]));
    expect(report.failures).toEqual([]);
  });

  it("reports failed deletes, and takes not-found and uid conflicts as gone", async () => {
    const { client } = fakeApi({
      Pod: [{ meta: meta("stuck"), fails: status.PERMISSION_DENIED }],
      Service: [{ meta: meta("svc"), fails: status.NOT_FOUND }],
    });
    const report = await deleteNamespaceContent(client, "doomed", signal);
    expect(report.failures).toEqual(['pods "stuck": boom']);
    expect(report.remaining.get("pods")).toBe(1);
  });

  it("names resources as Kubernetes prints them and covers every namespaced kind", () => {
    const rs = lookupKind("ReplicaSet");
    const pod = lookupKind("Pod");
    expect(rs && groupResource(rs)).toBe("replicasets.apps");
    expect(pod && groupResource(pod)).toBe("pods");
    const kinds = namespacedKinds().map((k) => k.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        "Pod",
        "ReplicaSet",
        "Deployment",
        "Service",
        "Endpoints",
        "Event",
        "Lease",
      ]),
    );
    expect(kinds).not.toContain("Namespace");
    expect(kinds).not.toContain("Node");
  });
});
