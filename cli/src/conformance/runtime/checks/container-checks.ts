// Containers: create, start, stop, remove, list filters, exit codes and reasons, and the
// stop timeout (SIGTERM, then SIGKILL).
import {
  ContainerFilter,
  ContainerState,
  type Container,
  type ContainerStatus,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { Check } from "../../runner.js";
import { formatSeconds } from "../../runner.js";
import {
  GrpcStatus,
  expectEqual,
  expectNanosNow,
  expectStatus,
  expectThat,
} from "../../expectations.js";
import { readLogs } from "../runtime-streams.js";
import {
  TRICKY_ANNOTATIONS,
  stateName,
  type RuntimeCheckContext,
  type Sandbox,
} from "../runtime-context.js";
import { EXIT_3, IGNORES_SIGTERM, LONG_RUNNING, TRUE } from "./commands.js";

const ROLE = "conformance.k8ts.io/role";
const {
  CONTAINER_STATE_CREATED: CREATED,
  CONTAINER_STATE_RUNNING: RUNNING,
  CONTAINER_STATE_EXITED: EXITED,
} = ContainerState;

/** Compares what the runtime reports of a container with what it was created with. */
function expectContainer(
  ctx: RuntimeCheckContext,
  what: string,
  expected: {
    id: string;
    sandbox: Sandbox;
    name: string;
    labels: Record<string, string>;
    state: ContainerState;
  },
  seen: Container | ContainerStatus,
): void {
  expectEqual(`${what}: id`, expected.id, seen.id);
  if ("podSandboxId" in seen)
    expectEqual(`${what}: pod_sandbox_id`, expected.sandbox.id, seen.podSandboxId);
  expectEqual(`${what}: state`, stateName(expected.state), stateName(seen.state));
  expectEqual(`${what}: metadata`, { name: expected.name, attempt: 0 }, seen.metadata);
  expectEqual(`${what}: image`, ctx.image, seen.image?.image);
  expectEqual(`${what}: labels`, ctx.labels(expected.labels), seen.labels);
  expectEqual(`${what}: annotations`, TRICKY_ANNOTATIONS, seen.annotations);
  expectNanosNow(`${what}: created_at`, seen.createdAt);
}

async function listIds(
  ctx: RuntimeCheckContext,
  what: string,
  filter: Partial<ContainerFilter>,
): Promise<string[]> {
  const items = await ctx.step(`ListContainers ${what}`, () =>
    ctx.client.listContainers(ContainerFilter.fromPartial(filter)),
  );
  return items.map((c) => c.id);
}

/** Waits for an exit and checks exit code, reason and timestamps. */
async function expectExit(
  ctx: RuntimeCheckContext,
  id: string,
  what: string,
  exitCode: number,
  reason: string,
): Promise<void> {
  const s = await ctx.waitForState(id, EXITED);
  expectEqual(`ContainerStatus of ${what} once exited: exit_code`, exitCode, s.exitCode);
  expectEqual(`ContainerStatus of ${what} once exited: reason`, reason, s.reason);
  expectNanosNow(`ContainerStatus of ${what} once exited: started_at`, s.startedAt);
  expectNanosNow(`ContainerStatus of ${what} once exited: finished_at`, s.finishedAt);
  expectThat(
    `ContainerStatus of ${what} once exited: finished_at`,
    s.finishedAt >= s.startedAt,
    `at or after started_at ${s.startedAt}`,
    String(s.finishedAt),
  );
}

export const containerChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "container/lifecycle",
    description:
      "CreateContainer -> CREATED -> StartContainer -> RUNNING with started_at -> StopContainer with a timeout -> EXITED with finished_at -> RemoveContainer -> ContainerStatus and ContainerLogs NOT_FOUND; starting a container twice, or an exited one, fails with FAILED_PRECONDITION; ListContainers filters by id, sandbox, state and labels (oldest first), with labels and annotations intact.",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const first = { sandbox: s, name: "first", labels: { [ROLE]: "a" } };
      const c1 = await ctx.createContainer(s, first.name, LONG_RUNNING, { labels: first.labels });
      const created = await ctx.step("ContainerStatus", () => ctx.client.containerStatus(c1));
      expectContainer(
        ctx,
        "ContainerStatus of a created container",
        { ...first, id: c1, state: CREATED },
        created,
      );
      expectEqual("ContainerStatus of a created container: started_at", 0, created.startedAt);
      expectEqual("ContainerStatus of a created container: finished_at", 0, created.finishedAt);

      await ctx.step("StartContainer", () => ctx.client.startContainer(c1));
      const running = await ctx.step("ContainerStatus after start", () =>
        ctx.client.containerStatus(c1),
      );
      expectContainer(
        ctx,
        "ContainerStatus once StartContainer returned",
        { ...first, id: c1, state: RUNNING },
        running,
      );
      expectNanosNow("ContainerStatus of a running container: started_at", running.startedAt);
      expectThat(
        "ContainerStatus of a running container: started_at",
        running.startedAt >= running.createdAt,
        `at or after created_at ${running.createdAt}`,
        String(running.startedAt),
      );
      expectEqual("ContainerStatus of a running container: finished_at", 0, running.finishedAt);
      await expectStatus(
        "StartContainer of a running container",
        GrpcStatus.FAILED_PRECONDITION,
        () => ctx.client.startContainer(c1),
      );

      const second = { sandbox: s, name: "second", labels: { [ROLE]: "b" } };
      const c2 = await ctx.createContainer(s, second.name, LONG_RUNNING, { labels: second.labels });
      const byId = await ctx.step("ListContainers by id", () =>
        ctx.client.listContainers(ContainerFilter.fromPartial({ id: c1 })),
      );
      expectEqual(
        "ListContainers filtered by id: ids",
        [c1],
        byId.map((c) => c.id),
      );
      const listed = byId[0];
      if (listed !== undefined)
        expectContainer(ctx, "ListContainers item", { ...first, id: c1, state: RUNNING }, listed);
      const mine = ctx.labels();
      expectEqual(
        "ListContainers filtered by sandbox (oldest first)",
        [c1, c2],
        await listIds(ctx, "by sandbox", { podSandboxId: s.id }),
      );
      expectEqual(
        "ListContainers filtered by state RUNNING",
        [c1],
        await listIds(ctx, "RUNNING", { state: RUNNING, labelSelector: mine }),
      );
      expectEqual(
        "ListContainers filtered by state CREATED",
        [c2],
        await listIds(ctx, "CREATED", { state: CREATED, labelSelector: mine }),
      );
      expectEqual(
        `ListContainers filtered by labels {${ROLE}: b}`,
        [c2],
        await listIds(ctx, "by role label", { labelSelector: { ...mine, [ROLE]: "b" } }),
      );
      expectEqual(
        "ListContainers filtered by a label value no container has",
        [],
        await listIds(ctx, "by unmatched label", { labelSelector: { ...mine, [ROLE]: "c" } }),
      );

      await ctx.step("StopContainer with timeout 2", () => ctx.client.stopContainer(c1, 2));
      const exited = await ctx.step("ContainerStatus after stop", () =>
        ctx.client.containerStatus(c1),
      );
      expectContainer(
        ctx,
        "ContainerStatus once StopContainer returned",
        { ...first, id: c1, state: EXITED },
        exited,
      );
      expectNanosNow("ContainerStatus of a stopped container: finished_at", exited.finishedAt);
      expectThat(
        "ContainerStatus of a stopped container: finished_at",
        exited.finishedAt >= exited.startedAt,
        `at or after started_at ${exited.startedAt}`,
        String(exited.finishedAt),
      );
      expectEqual(
        "ListContainers filtered by state EXITED",
        [c1],
        await listIds(ctx, "EXITED", { state: EXITED, labelSelector: mine }),
      );
      await expectStatus(
        "StartContainer of an exited container",
        GrpcStatus.FAILED_PRECONDITION,
        () => ctx.client.startContainer(c1),
      );

      await ctx.step("RemoveContainer", () => ctx.client.removeContainer(c1));
      await expectStatus("ContainerStatus of a removed container", GrpcStatus.NOT_FOUND, () =>
        ctx.client.containerStatus(c1),
      );
      await expectStatus("ContainerLogs of a removed container", GrpcStatus.NOT_FOUND, () =>
        readLogs(ctx.client, { containerId: c1, follow: false }, ctx.scope.signal),
      );
      expectEqual(
        "ListContainers filtered by a removed id",
        [],
        await listIds(ctx, "by removed id", { id: c1 }),
      );
      expectEqual(
        "ListContainers filtered by sandbox after removing one",
        [c2],
        await listIds(ctx, "by sandbox", { podSandboxId: s.id }),
      );
    },
  },
  {
    name: "container/create-in-stopped-sandbox",
    description: "CreateContainer in a stopped (NOTREADY) sandbox fails with FAILED_PRECONDITION.",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      await ctx.step("StopPodSandbox", () => ctx.client.stopPodSandbox(s.id));
      const config = ctx.containerConfig("late", LONG_RUNNING);
      await expectStatus(
        "CreateContainer in a stopped sandbox",
        GrpcStatus.FAILED_PRECONDITION,
        async () => {
          const id = await ctx.client.createContainer(s.id, config, s.config);
          ctx.scope.defer(`RemoveContainer ${id}`, () => ctx.client.removeContainer(id));
          return id;
        },
      );
    },
  },
  {
    name: "container/exit-codes",
    description:
      'A container exiting by itself is EXITED with its exit code and reason: `sh -c "exit 3"` -> 3, "Error"; `true` -> 0, "Completed"; started_at <= finished_at.',
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const failing = await ctx.startContainer(s, "exit-3", EXIT_3);
      const succeeding = await ctx.startContainer(s, "true", TRUE);
      await expectExit(ctx, failing, '`sh -c "exit 3"`', 3, "Error");
      await expectExit(ctx, succeeding, "`true`", 0, "Completed");
    },
  },
  {
    name: "container/stop-timeout",
    description:
      'StopContainer with timeout 1 of a container ignoring SIGTERM (`trap "" TERM`) waits about the timeout, then kills it: it returns in bounded time (0.9 to 11 s) and the container is EXITED with exit code 137.',
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const c = await ctx.startContainer(s, "stubborn", IGNORES_SIGTERM);
      // Stop only once the trap is set (the script says so), or SIGTERM would end it.
      await ctx.waitUntil('the container to log "ready" (its SIGTERM trap is set)', async () => {
        const entries = await readLogs(
          ctx.client,
          { containerId: c, follow: false },
          ctx.scope.signal,
        );
        const lines = entries.map((e) => e.content.toString("utf8"));
        return lines.includes("ready") ? { done: true } : { seen: lines };
      });
      const started = Date.now();
      await ctx.step("StopContainer with timeout 1", () => ctx.client.stopContainer(c, 1));
      const elapsed = Date.now() - started;
      const bound = 11_000;
      expectThat(
        "StopContainer (timeout 1) of a container ignoring SIGTERM: time to return",
        elapsed >= 900 && elapsed <= bound,
        `about 1 s (the timeout, then SIGKILL; at most ${formatSeconds(bound)})`,
        formatSeconds(elapsed),
      );
      const status = await ctx.step("ContainerStatus after stop", () =>
        ctx.client.containerStatus(c),
      );
      expectEqual(
        "ContainerStatus of the killed container: state",
        stateName(EXITED),
        stateName(status.state),
      );
      expectEqual(
        "ContainerStatus of the killed container: exit_code (128 + SIGKILL)",
        137,
        status.exitCode,
      );
    },
  },
  {
    name: "container/remove-running",
    description:
      "RemoveContainer of a running container kills and removes it (ContainerStatus NOT_FOUND).",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const c = await ctx.startContainer(s, "running", LONG_RUNNING);
      await ctx.waitForState(c, RUNNING);
      await ctx.step("RemoveContainer of a running container", () => ctx.client.removeContainer(c));
      await expectStatus(
        "ContainerStatus of a container removed while running",
        GrpcStatus.NOT_FOUND,
        () => ctx.client.containerStatus(c),
      );
    },
  },
];
