// Checks that start plugin instances themselves (--plugin): adoption of what runs after a
// plugin restart, and two node names on one host not seeing each other's objects.
import {
  ContainerFilter,
  ContainerState,
  PodSandboxFilter,
  PodSandboxState,
  type ContainerStatus,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { Check } from "../../runner.js";
import {
  GrpcStatus,
  expectEqual,
  expectStatus,
  expectSuccess,
  expectThat,
} from "../../expectations.js";
import { readLogs } from "../runtime-streams.js";
import { stateName, type RuntimeCheckContext } from "../runtime-context.js";
import { LONG_RUNNING } from "./commands.js";

const ECHO_EXIT_3 = ["sh", "-c", "echo adopted; exit 3"];
const ECHO_AND_SLEEP = ["sh", "-c", "echo isolated; sleep 3600"];

/** What a restart must not change about a container. */
function adoptable(s: ContainerStatus): Record<string, unknown> {
  return {
    id: s.id,
    metadata: s.metadata,
    state: stateName(s.state),
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    exitCode: s.exitCode,
    reason: s.reason,
    image: s.image,
    labels: s.labels,
    annotations: s.annotations,
  };
}

export const pluginChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "plugin/adoption-after-restart",
    description:
      "After the plugin is stopped (SIGTERM) and started again on the same socket and state dir, List and Status return the same sandbox and containers with their ids, labels, annotations, states, timestamps, exit code and logs; the running container still runs and can be stopped.",
    requires: ["plugin"],
    async run(ctx) {
      const { instance, client } = await ctx.startPlugin(`conf-${ctx.setup.runId}-adopt`);
      await ctx.ensureImage(client);
      const s = await ctx.runSandbox({ client });
      const running = await ctx.startContainer(s, "running", LONG_RUNNING);
      const exited = await ctx.startContainer(s, "exited", ECHO_EXIT_3);
      const beforeRunning = await ctx.waitForState(
        running,
        ContainerState.CONTAINER_STATE_RUNNING,
        client,
      );
      const beforeExited = await ctx.waitForState(
        exited,
        ContainerState.CONTAINER_STATE_EXITED,
        client,
      );
      const beforeSandbox = await ctx.step("PodSandboxStatus", () => client.podSandboxStatus(s.id));
      const beforeLogs = await ctx.step("ContainerLogs", () =>
        readLogs(client, { containerId: exited, follow: false }, ctx.scope.signal),
      );

      await ctx.step("restart the plugin (SIGTERM, then start again)", () => instance.restart());

      const sandboxes = await ctx.step("ListPodSandbox after restart", () =>
        client.listPodSandbox(PodSandboxFilter.fromPartial({ labelSelector: ctx.labels() })),
      );
      expectEqual(
        "ListPodSandbox by this check's labels after a restart: ids",
        [s.id],
        sandboxes.map((x) => x.id),
      );
      const afterSandbox = await ctx.step("PodSandboxStatus after restart", () =>
        client.podSandboxStatus(s.id),
      );
      expectEqual("PodSandboxStatus after a restart", beforeSandbox, afterSandbox);
      expectEqual(
        "PodSandboxStatus after a restart: state",
        PodSandboxState[PodSandboxState.POD_SANDBOX_STATE_READY],
        PodSandboxState[afterSandbox.state],
      );

      const containers = await ctx.step("ListContainers after restart", () =>
        client.listContainers(ContainerFilter.fromPartial({ podSandboxId: s.id })),
      );
      expectEqual(
        "ListContainers of the sandbox after a restart: ids",
        [running, exited],
        containers.map((c) => c.id),
      );
      for (const c of containers)
        expectEqual(`ListContainers after a restart: labels of ${c.id}`, ctx.labels(), c.labels);
      const afterRunning = await ctx.step("ContainerStatus after restart", () =>
        client.containerStatus(running),
      );
      expectEqual(
        "ContainerStatus of the running container after a restart",
        adoptable(beforeRunning),
        adoptable(afterRunning),
      );
      const afterExited = await ctx.step("ContainerStatus after restart", () =>
        client.containerStatus(exited),
      );
      expectEqual(
        "ContainerStatus of the exited container after a restart",
        adoptable(beforeExited),
        adoptable(afterExited),
      );
      expectEqual(
        "ContainerStatus of the exited container after a restart: exit_code",
        3,
        afterExited.exitCode,
      );
      const afterLogs = await ctx.step("ContainerLogs after restart", () =>
        readLogs(client, { containerId: exited, follow: false }, ctx.scope.signal),
      );
      expectEqual(
        "ContainerLogs of the exited container after a restart",
        beforeLogs.map((e) => `${e.stream} ${e.content.toString("utf8")}`),
        afterLogs.map((e) => `${e.stream} ${e.content.toString("utf8")}`),
      );
      expectEqual(
        "ContainerLogs of the exited container",
        ["stdout adopted"],
        afterLogs.map((e) => `${e.stream} ${e.content.toString("utf8")}`),
      );
      // Still running means still controllable: stopping it works and ends it.
      await ctx.step("StopContainer of the adopted container", () =>
        client.stopContainer(running, 0),
      );
      const stopped = await ctx.step("ContainerStatus after stop", () =>
        client.containerStatus(running),
      );
      expectEqual(
        "ContainerStatus of the adopted container once stopped: state",
        stateName(ContainerState.CONTAINER_STATE_EXITED),
        stateName(stopped.state),
      );
    },
  },
  {
    name: "plugin/node-isolation",
    description:
      "Two plugin instances with different node names on one host: the objects of one are not listed by the other, its Status, Logs, Exec and Start calls answer NOT_FOUND, and its Stop and Remove calls succeed without touching them.",
    requires: ["plugin"],
    async run(ctx) {
      const nodeA = `conf-${ctx.setup.runId}-a`;
      const nodeB = `conf-${ctx.setup.runId}-b`;
      const a = await ctx.startPlugin(nodeA);
      const b = await ctx.startPlugin(nodeB);
      expectEqual(
        "Version of instance A: node_name",
        nodeA,
        (await ctx.step("Version A", () => a.client.version())).nodeName,
      );
      expectEqual(
        "Version of instance B: node_name",
        nodeB,
        (await ctx.step("Version B", () => b.client.version())).nodeName,
      );
      await ctx.ensureImage(a.client);
      await ctx.ensureImage(b.client);
      const sa = await ctx.runSandbox({ client: a.client });
      const ca = await ctx.startContainer(sa, "on-a", ECHO_AND_SLEEP);
      await ctx.waitForState(ca, ContainerState.CONTAINER_STATE_RUNNING, a.client);
      const sb = await ctx.runSandbox({ client: b.client });

      const sandboxesOfB = await ctx.step("ListPodSandbox on B", () => b.client.listPodSandbox());
      expectThat(
        "ListPodSandbox on node B (no filter)",
        !sandboxesOfB.some((x) => x.id === sa.id) && sandboxesOfB.some((x) => x.id === sb.id),
        `B's sandbox ${sb.id} and not A's ${sa.id}`,
        sandboxesOfB.map((x) => x.id),
      );
      const sandboxesOfA = await ctx.step("ListPodSandbox on A", () => a.client.listPodSandbox());
      expectThat(
        "ListPodSandbox on node A (no filter)",
        sandboxesOfA.some((x) => x.id === sa.id) && !sandboxesOfA.some((x) => x.id === sb.id),
        `A's sandbox ${sa.id} and not B's ${sb.id}`,
        sandboxesOfA.map((x) => x.id),
      );
      const containersOfB = await ctx.step("ListContainers on B", () => b.client.listContainers());
      expectThat(
        "ListContainers on node B (no filter)",
        !containersOfB.some((x) => x.id === ca),
        `not A's container ${ca}`,
        containersOfB.map((x) => x.id),
      );
      expectEqual(
        "ListContainers on node B filtered by A's sandbox",
        [],
        (
          await ctx.step("ListContainers on B by A's sandbox", () =>
            b.client.listContainers(ContainerFilter.fromPartial({ podSandboxId: sa.id })),
          )
        ).map((x) => x.id),
      );
      await expectStatus("PodSandboxStatus on B of A's sandbox", GrpcStatus.NOT_FOUND, () =>
        b.client.podSandboxStatus(sa.id),
      );
      await expectStatus("ContainerStatus on B of A's container", GrpcStatus.NOT_FOUND, () =>
        b.client.containerStatus(ca),
      );
      await expectStatus("ContainerLogs on B of A's container", GrpcStatus.NOT_FOUND, () =>
        readLogs(b.client, { containerId: ca, follow: false }, ctx.scope.signal),
      );
      await expectStatus("ExecSync on B in A's container", GrpcStatus.NOT_FOUND, () =>
        b.client.execSync(ca, ["true"], 5, ctx.scope.signal),
      );
      await expectStatus("StartContainer on B of A's container", GrpcStatus.NOT_FOUND, () =>
        b.client.startContainer(ca),
      );
      await expectSuccess("StopContainer on B of A's container", () =>
        b.client.stopContainer(ca, 0),
      );
      await expectSuccess("RemoveContainer on B of A's container", () =>
        b.client.removeContainer(ca),
      );
      await expectSuccess("StopPodSandbox on B of A's sandbox", () =>
        b.client.stopPodSandbox(sa.id),
      );
      await expectSuccess("RemovePodSandbox on B of A's sandbox", () =>
        b.client.removePodSandbox(sa.id),
      );

      const stillSandbox = await ctx.step("PodSandboxStatus on A", () =>
        a.client.podSandboxStatus(sa.id),
      );
      expectEqual(
        "PodSandboxStatus on A after B was asked to stop and remove it: state",
        PodSandboxState[PodSandboxState.POD_SANDBOX_STATE_READY],
        PodSandboxState[stillSandbox.state],
      );
      const stillContainer = await ctx.step("ContainerStatus on A", () =>
        a.client.containerStatus(ca),
      );
      expectEqual(
        "ContainerStatus on A after B was asked to stop and remove it: state",
        stateName(ContainerState.CONTAINER_STATE_RUNNING),
        stateName(stillContainer.state),
      );
    },
  },
];
