// Ids: Stop and Remove are idempotent (unknown, already stopped or removed ids are
// success); every other call on an unknown id fails with NOT_FOUND.
import { ContainerState } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { Check } from "../../runner.js";
import { GrpcStatus, expectStatus, expectSuccess } from "../../expectations.js";
import { readLogs, runExec } from "../runtime-streams.js";
import type { RuntimeCheckContext } from "../runtime-context.js";
import { LONG_RUNNING } from "./commands.js";

export const idChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "ids/stop-remove-unknown",
    description:
      "StopContainer, RemoveContainer, StopPodSandbox and RemovePodSandbox of ids the runtime never handed out succeed.",
    async run(ctx) {
      const container = ctx.unknownId("container");
      const sandbox = ctx.unknownId("sandbox");
      await expectSuccess("StopContainer of an unknown id", () =>
        ctx.client.stopContainer(container, 0),
      );
      await expectSuccess("RemoveContainer of an unknown id", () =>
        ctx.client.removeContainer(container),
      );
      await expectSuccess("StopPodSandbox of an unknown id", () =>
        ctx.client.stopPodSandbox(sandbox),
      );
      await expectSuccess("RemovePodSandbox of an unknown id", () =>
        ctx.client.removePodSandbox(sandbox),
      );
    },
  },
  {
    name: "ids/stop-remove-twice",
    description:
      "StopContainer and RemoveContainer of a created (never started) container, StopContainer of an exited container, RemoveContainer of a removed one, StopPodSandbox of a stopped sandbox and RemovePodSandbox of a removed one succeed.",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const created = await ctx.createContainer(s, "created", LONG_RUNNING);
      await expectSuccess("StopContainer of a created (never started) container", () =>
        ctx.client.stopContainer(created, 0),
      );
      await expectSuccess("RemoveContainer of a created (never started) container", () =>
        ctx.client.removeContainer(created),
      );
      const c = await ctx.startContainer(s, "twice", LONG_RUNNING);
      await ctx.waitForState(c, ContainerState.CONTAINER_STATE_RUNNING);
      await ctx.step("StopContainer", () => ctx.client.stopContainer(c, 0));
      await expectSuccess("StopContainer of an exited container", () =>
        ctx.client.stopContainer(c, 0),
      );
      await ctx.step("RemoveContainer", () => ctx.client.removeContainer(c));
      await expectSuccess("RemoveContainer of a removed container", () =>
        ctx.client.removeContainer(c),
      );
      await expectSuccess("StopContainer of a removed container", () =>
        ctx.client.stopContainer(c, 0),
      );
      await ctx.step("StopPodSandbox", () => ctx.client.stopPodSandbox(s.id));
      await expectSuccess("StopPodSandbox of a stopped sandbox", () =>
        ctx.client.stopPodSandbox(s.id),
      );
      await ctx.step("RemovePodSandbox", () => ctx.client.removePodSandbox(s.id));
      await expectSuccess("RemovePodSandbox of a removed sandbox", () =>
        ctx.client.removePodSandbox(s.id),
      );
      await expectSuccess("StopPodSandbox of a removed sandbox", () =>
        ctx.client.stopPodSandbox(s.id),
      );
    },
  },
  {
    name: "ids/unknown-not-found",
    description:
      "PodSandboxStatus, ContainerStatus, CreateContainer (unknown sandbox), StartContainer, ContainerLogs, ExecSync and Exec of unknown ids fail with NOT_FOUND.",
    async run(ctx) {
      const container = ctx.unknownId("container");
      const sandbox = ctx.unknownId("sandbox");
      const signal = ctx.scope.signal;
      await ctx.ensureImage();
      await expectStatus("PodSandboxStatus of an unknown id", GrpcStatus.NOT_FOUND, () =>
        ctx.client.podSandboxStatus(sandbox),
      );
      await expectStatus("ContainerStatus of an unknown id", GrpcStatus.NOT_FOUND, () =>
        ctx.client.containerStatus(container),
      );
      const config = ctx.sandboxConfig();
      await expectStatus(
        "CreateContainer in an unknown sandbox",
        GrpcStatus.NOT_FOUND,
        async () => {
          const id = await ctx.client.createContainer(
            sandbox,
            ctx.containerConfig("orphan", LONG_RUNNING),
            config,
          );
          ctx.scope.defer(`RemoveContainer ${id}`, () => ctx.client.removeContainer(id));
          return id;
        },
      );
      await expectStatus("StartContainer of an unknown id", GrpcStatus.NOT_FOUND, () =>
        ctx.client.startContainer(container),
      );
      await expectStatus("ContainerLogs of an unknown id", GrpcStatus.NOT_FOUND, () =>
        readLogs(ctx.client, { containerId: container, follow: false }, signal),
      );
      await expectStatus("ContainerLogs (follow) of an unknown id", GrpcStatus.NOT_FOUND, () =>
        readLogs(ctx.client, { containerId: container, follow: true }, signal),
      );
      await expectStatus("ExecSync in an unknown container", GrpcStatus.NOT_FOUND, () =>
        ctx.client.execSync(container, ["true"], 5, signal),
      );
      await expectStatus("Exec in an unknown container", GrpcStatus.NOT_FOUND, () =>
        runExec(
          ctx.client,
          { containerId: container, cmd: ["true"], stdin: false, tty: false },
          [],
          false,
          signal,
        ),
      );
    },
  },
];
