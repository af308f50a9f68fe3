// The example controller of docs/sdk.md runs: informers, work queue and a status write
// keep a ReplicaSet's status.replicas equal to the Pods its selector matches.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, waitFor } from "@k8ts/sdk";
import { runReplicaCounter } from "@k8ts/sdk/examples/example-controller.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { createNamespace, pod } from "./api-objects.js";

let api: ApiServerProcess;
let client: ApiClient;

beforeAll(async () => {
  api = await ApiServerProcess.start();
  client = new ApiClient({ server: api.address });
});

afterAll(async () => {
  client.close();
  await api.dispose();
});

describe("the example controller", () => {
  it("keeps status.replicas equal to the matching Pods", async () => {
    const ns = "example";
    await createNamespace(client, ns);
    await client.kind("ReplicaSet").create(
      ReplicaSet.fromPartial({
        metadata: { namespace: ns, name: "web" },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "main", image: "busybox" }] },
          },
        },
      }),
    );
    for (let i = 0; i < 3; i++)
      await client.kind("Pod").create(pod(ns, `web-${i}`, { app: "web" }));
    await client.kind("Pod").create(pod(ns, "db-0", { app: "db" }));

    const ac = new AbortController();
    const controller = runReplicaCounter(client, ac.signal);
    const replicas = async (): Promise<number | undefined> =>
      (await client.kind("ReplicaSet").get("web", { namespace: ns })).status?.replicas;
    await waitFor("status.replicas = 3", async () => ((await replicas()) === 3 ? true : undefined));
    await client.kind("Pod").delete("web-0", { namespace: ns });
    await waitFor("status.replicas = 2", async () => ((await replicas()) === 2 ? true : undefined));
    ac.abort();
    await controller;
    expect(await replicas()).toBe(2);
  });
});
