// Small builders of valid API objects for e2e tests.
import type { ApiClient } from "@k8ts/sdk";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

/** An unbound Pod with one container. */
export function pod(namespace: string, name: string, labels: Record<string, string> = {}): Pod {
  return Pod.fromPartial({
    metadata: { namespace, name, labels },
    spec: { containers: [{ name: "main", image: "busybox" }] },
  });
}

/** Creates a namespace for one test. */
export async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name } }));
}
