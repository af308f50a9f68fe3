// Flags that change what clients see: bearer tokens, the in-flight limit, Event expiry,
// the history window.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { ApiClient, ApiStatusError, waitFor } from "@k8ts/sdk";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { Event } from "@k8ts/sdk/gen/k8ts/api/v1/event.js";
import { smallPod } from "./fixtures.js";

let dir: string;
let server: ApiServerProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-options-"));
  const tokens = join(dir, "tokens.csv");
  await writeFile(
    tokens,
    '# token,user,uid,groups\nsecret-admin,admin,1,"system:masters"\nsecret-dev,dev,2\n',
  );
  server = await ApiServerProcess.start({
    args: [
      "--token-auth-file",
      tokens,
      "--max-inflight",
      "2",
      "--event-ttl",
      "1s",
      "--history-window",
      "1s",
    ],
    anonymous: false,
  });
});

afterAll(async () => {
  await server.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ApiStatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiStatusError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

describe("authentication", () => {
  it("refuses requests without a token or with a wrong one, and serves a valid one", async () => {
    const anonymous = new ApiClient({ server: server.address });
    const wrong = new ApiClient({ server: server.address, token: "guess" });
    const admin = new ApiClient({ server: server.address, token: "secret-admin" });
    try {
      const a = await failure(anonymous.kind("Namespace").list());
      expect(a.code).toBe(status.UNAUTHENTICATED);
      expect(a.message).toContain("missing bearer token");
      expect((await failure(wrong.kind("Namespace").list())).code).toBe(status.UNAUTHENTICATED);
      const ac = new AbortController();
      const watch = anonymous.kind("Namespace").watch({ signal: ac.signal });
      expect((await failure(watch.next())).code).toBe(status.UNAUTHENTICATED);
      expect((await admin.kind("Namespace").list()).items.length).toBeGreaterThanOrEqual(3);
    } finally {
      anonymous.close();
      wrong.close();
      admin.close();
    }
  });
});

describe("limits and expiry", () => {
  const client = (): ApiClient => new ApiClient({ server: server.address, token: "secret-dev" });

  it("answers RESOURCE_EXHAUSTED beyond the in-flight limit", async () => {
    const c = client();
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          c.kind("Pod").create(smallPod(`burst-${i}`, "default")),
        ),
      );
      const refused = results.filter(
        (r) =>
          r.status === "rejected" &&
          (r.reason as ApiStatusError).code === status.RESOURCE_EXHAUSTED,
      );
      const ok = results.filter((r) => r.status === "fulfilled");
      expect(refused.length).toBeGreaterThan(0);
      expect(ok.length).toBeGreaterThan(0);
      expect(ok.length + refused.length).toBe(60);
    } finally {
      c.close();
    }
  });

  it("deletes Events once their TTL has passed", async () => {
    const c = client();
    try {
      const old = new Date(Date.now() - 60_000);
      await c.kind("Event").create(
        Event.fromPartial({
          metadata: { name: "old-event", namespace: "default" },
          involvedObject: { kind: "Pod", name: "x", namespace: "default" },
          reason: "Test",
          message: "expires",
          type: "Normal",
          count: 1,
          firstTimestamp: old,
          lastTimestamp: old,
        }),
      );
      await waitFor("the expired event to be deleted", async () => {
        try {
          await c.kind("Event").get("old-event", { namespace: "default" });
          return undefined;
        } catch (e) {
          return e instanceof ApiStatusError && e.isNotFound ? true : undefined;
        }
      });
    } finally {
      c.close();
    }
  });

  it("answers OUT_OF_RANGE for a watch from a version older than the history window", async () => {
    const c = client();
    try {
      const start = await c.kind("Pod").list({ namespace: "default" });
      // A change right after the listed version, then the window passes, then more writes
      // make the apiserver drop what is older than the window.
      await c.kind("Pod").create(smallPod("early", "default"));
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < 5; i++) await c.kind("Pod").create(smallPod(`late-${i}`, "default"));
      const ac = new AbortController();
      const e = await failure(
        c
          .kind("Pod")
          .watch({
            namespace: "default",
            resourceVersion: start.metadata.resourceVersion,
            signal: ac.signal,
          })
          .next(),
      );
      expect(e.code).toBe(status.OUT_OF_RANGE);
      expect(e.message).toContain("too old resource version");
    } finally {
      c.close();
    }
  });
});
