import {
  ContainerState,
  ListContainersResponse,
  ListPodSandboxResponse,
  PodSandboxState,
  type Container,
  type PodSandbox,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { describe, expect, it } from "vitest";
import { MessageCache, runtimeServiceDefinition } from "./list-encoding.js";

function container(i: number, labels: Record<string, string> = {}): Container {
  return {
    id: `c${i}`.repeat(20),
    podSandboxId: `s${i}`,
    metadata: { name: `app-${i}`, attempt: i },
    image: { image: "busybox:latest" },
    imageRef: "sha256:0123",
    state: ContainerState.CONTAINER_STATE_RUNNING,
    createdAt: 1_700_000_000_123_456_000 + i,
    labels,
    annotations: { "k8ts.io/hash": "x".repeat(200) },
  };
}

describe("list encoding", () => {
  it("encodes list answers as the generated code does", () => {
    const containers = [container(1, { a: "b" }), container(2), container(300)];
    const bytes = runtimeServiceDefinition.listContainers.responseSerialize({ containers });
    expect(bytes).toEqual(Buffer.from(ListContainersResponse.encode({ containers }).finish()));
    expect(ListContainersResponse.decode(bytes).containers).toEqual(containers);
    // Again, from the cached bytes of each item.
    expect(runtimeServiceDefinition.listContainers.responseSerialize({ containers })).toEqual(
      bytes,
    );
    expect(runtimeServiceDefinition.listContainers.responseSerialize({ containers: [] })).toEqual(
      Buffer.alloc(0),
    );

    const items: PodSandbox[] = [
      {
        id: "s1",
        metadata: { name: "web", uid: "u1", namespace: "default", attempt: 0 },
        state: PodSandboxState.POD_SANDBOX_STATE_READY,
        createdAt: 1_700_000_000_000_000_000,
        labels: { "k8ts.io/pod-uid": "u1" },
        annotations: {},
      },
    ];
    expect(runtimeServiceDefinition.listPodSandbox.responseSerialize({ items })).toEqual(
      Buffer.from(ListPodSandboxResponse.encode({ items }).finish()),
    );
  });

  it("builds a record's message again only when its version changes", () => {
    const record = { name: "a", state: "READY" };
    let builds = 0;
    const cache = new MessageCache(
      (r: typeof record) => ({ name: r.name, state: r.state, build: ++builds }),
      (r) => r.state,
    );
    const first = cache.get(record);
    expect(cache.get(record)).toBe(first);
    record.state = "NOTREADY";
    expect(cache.get(record)).toMatchObject({ state: "NOTREADY", build: 2 });
  });
});
