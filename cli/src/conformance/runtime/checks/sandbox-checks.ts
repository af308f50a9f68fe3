// Pod sandboxes: run, status, list filters, stop, remove, and what stopping and removing a
// sandbox does to its containers.
import {
  ContainerFilter,
  ContainerState,
  PodSandboxFilter,
  PodSandboxState,
  type PodSandbox,
  type PodSandboxStatus,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { Check } from "../../runner.js";
import {
  GrpcStatus,
  expectEqual,
  expectNanosNow,
  expectStatus,
  expectThat,
} from "../../expectations.js";
import { stateName, type RuntimeCheckContext, type Sandbox } from "../runtime-context.js";
import { LONG_RUNNING } from "./commands.js";

const ROLE = "conformance.k8ts.io/role";

function sandboxStateName(state: PodSandboxState): string {
  return PodSandboxState[state] ?? String(state);
}

/** Compares what the runtime reports of a sandbox with what it was run with. */
function expectSandbox(
  what: string,
  sandbox: Sandbox,
  seen: PodSandbox | PodSandboxStatus,
  state: PodSandboxState,
): void {
  expectEqual(`${what}: id`, sandbox.id, seen.id);
  expectEqual(`${what}: state`, sandboxStateName(state), sandboxStateName(seen.state));
  expectEqual(`${what}: metadata`, sandbox.config.metadata, seen.metadata);
  expectEqual(`${what}: labels`, sandbox.config.labels, seen.labels);
  expectEqual(`${what}: annotations`, sandbox.config.annotations, seen.annotations);
  expectNanosNow(`${what}: created_at`, seen.createdAt);
}

async function listIds(
  ctx: RuntimeCheckContext,
  what: string,
  filter: Partial<PodSandboxFilter>,
): Promise<string[]> {
  const items = await ctx.step(`ListPodSandbox ${what}`, () =>
    ctx.client.listPodSandbox(PodSandboxFilter.fromPartial(filter)),
  );
  return items.map((s) => s.id);
}

export const sandboxChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "sandbox/lifecycle",
    description:
      "RunPodSandbox -> READY with metadata, labels and annotations intact -> listed and filtered by id, state and labels (oldest first) -> StopPodSandbox -> NOTREADY -> RemovePodSandbox -> PodSandboxStatus NOT_FOUND.",
    async run(ctx) {
      const a = await ctx.runSandbox({ labels: { [ROLE]: "a" } });
      const b = await ctx.runSandbox({ labels: { [ROLE]: "b" } });
      const READY = PodSandboxState.POD_SANDBOX_STATE_READY;
      const NOTREADY = PodSandboxState.POD_SANDBOX_STATE_NOTREADY;

      const status = await ctx.step("PodSandboxStatus", () => ctx.client.podSandboxStatus(a.id));
      expectSandbox("PodSandboxStatus of a new sandbox", a, status, READY);

      const byId = await ctx.step("ListPodSandbox by id", () =>
        ctx.client.listPodSandbox(PodSandboxFilter.fromPartial({ id: a.id })),
      );
      expectEqual(
        "ListPodSandbox filtered by id: ids",
        [a.id],
        byId.map((s) => s.id),
      );
      const listed = byId[0];
      if (listed !== undefined) expectSandbox("ListPodSandbox item", a, listed, READY);

      const all = await listIds(ctx, "without a filter", {});
      expectThat(
        "ListPodSandbox without a filter",
        all.includes(a.id) && all.includes(b.id),
        `both sandboxes of this check (${a.id}, ${b.id}) among all`,
        all,
      );
      const mine = ctx.labels();
      expectEqual(
        "ListPodSandbox filtered by this check's labels (oldest first)",
        [a.id, b.id],
        await listIds(ctx, "by labels", { labelSelector: mine }),
      );
      expectEqual(
        `ListPodSandbox filtered by labels {${ROLE}: a}`,
        [a.id],
        await listIds(ctx, "by role label", { labelSelector: { ...mine, [ROLE]: "a" } }),
      );
      expectEqual(
        "ListPodSandbox filtered by a label value no sandbox has",
        [],
        await listIds(ctx, "by unmatched label", { labelSelector: { ...mine, [ROLE]: "c" } }),
      );
      expectEqual(
        "ListPodSandbox filtered by state READY",
        [a.id, b.id],
        await listIds(ctx, "READY", { state: READY, labelSelector: mine }),
      );
      expectEqual(
        "ListPodSandbox filtered by state NOTREADY before any stop",
        [],
        await listIds(ctx, "NOTREADY", { state: NOTREADY, labelSelector: mine }),
      );

      await ctx.step("StopPodSandbox", () => ctx.client.stopPodSandbox(a.id));
      const stopped = await ctx.step("PodSandboxStatus after stop", () =>
        ctx.client.podSandboxStatus(a.id),
      );
      expectSandbox("PodSandboxStatus of a stopped sandbox", a, stopped, NOTREADY);
      expectEqual(
        "ListPodSandbox filtered by state READY after stopping one",
        [b.id],
        await listIds(ctx, "READY", { state: READY, labelSelector: mine }),
      );
      expectEqual(
        "ListPodSandbox filtered by state NOTREADY after stopping one",
        [a.id],
        await listIds(ctx, "NOTREADY", { state: NOTREADY, labelSelector: mine }),
      );

      await ctx.step("RemovePodSandbox", () => ctx.client.removePodSandbox(a.id));
      await expectStatus("PodSandboxStatus of a removed sandbox", GrpcStatus.NOT_FOUND, () =>
        ctx.client.podSandboxStatus(a.id),
      );
      expectEqual(
        "ListPodSandbox filtered by the id of a removed sandbox",
        [],
        await listIds(ctx, "by removed id", { id: a.id }),
      );
      expectEqual(
        "ListPodSandbox filtered by labels after removing one",
        [b.id],
        await listIds(ctx, "by labels", { labelSelector: mine }),
      );
    },
  },
  {
    name: "sandbox/stop-and-remove-with-containers",
    description:
      "StopPodSandbox leaves its running containers EXITED; RemovePodSandbox removes a sandbox with its containers, also running ones (ContainerStatus NOT_FOUND).",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const c = await ctx.startContainer(s, "sleeper", LONG_RUNNING);
      await ctx.waitForState(c, ContainerState.CONTAINER_STATE_RUNNING);
      await ctx.step("StopPodSandbox", () => ctx.client.stopPodSandbox(s.id));
      const after = await ctx.step("ContainerStatus after StopPodSandbox", () =>
        ctx.client.containerStatus(c),
      );
      expectEqual(
        "ContainerStatus of a running container once StopPodSandbox returned: state",
        stateName(ContainerState.CONTAINER_STATE_EXITED),
        stateName(after.state),
      );
      await ctx.step("RemovePodSandbox", () => ctx.client.removePodSandbox(s.id));
      await expectStatus(
        "ContainerStatus of a container of a removed sandbox",
        GrpcStatus.NOT_FOUND,
        () => ctx.client.containerStatus(c),
      );

      const s2 = await ctx.runSandbox();
      const c2 = await ctx.startContainer(s2, "sleeper", LONG_RUNNING);
      await ctx.waitForState(c2, ContainerState.CONTAINER_STATE_RUNNING);
      await ctx.step("RemovePodSandbox of a ready sandbox", () =>
        ctx.client.removePodSandbox(s2.id),
      );
      await expectStatus(
        "ContainerStatus of a running container after RemovePodSandbox without a stop",
        GrpcStatus.NOT_FOUND,
        () => ctx.client.containerStatus(c2),
      );
      await expectStatus(
        "PodSandboxStatus of a sandbox removed without a stop",
        GrpcStatus.NOT_FOUND,
        () => ctx.client.podSandboxStatus(s2.id),
      );
      const left = await ctx.step("ListContainers of the removed sandbox", () =>
        ctx.client.listContainers(ContainerFilter.fromPartial({ podSandboxId: s2.id })),
      );
      expectEqual(
        "ListContainers filtered by a removed sandbox",
        [],
        left.map((x) => x.id),
      );
    },
  },
];
