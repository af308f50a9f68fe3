// Bad requests fail with INVALID_ARGUMENT, and the message names the field.
import { ContainerConfig, PodSandboxConfig } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { CheckFailure } from "../../check-failure.js";
import { GrpcStatus, codeName, describeError, grpcCode } from "../../expectations.js";
import type { Check } from "../../runner.js";
import type { RuntimeCheckContext } from "../runtime-context.js";
import { LONG_RUNNING } from "./commands.js";

/** `call` must fail with INVALID_ARGUMENT, its message naming `field`. */
async function expectInvalid(
  what: string,
  field: string,
  call: () => Promise<unknown>,
): Promise<void> {
  const expected = `INVALID_ARGUMENT naming "${field}"`;
  try {
    await call();
  } catch (e) {
    const details = describeError(e);
    if (grpcCode(e) === GrpcStatus.INVALID_ARGUMENT && details.includes(field)) return;
    throw new CheckFailure(what, expected, details);
  }
  throw new CheckFailure(what, expected, `success (not ${codeName(GrpcStatus.INVALID_ARGUMENT)})`);
}

export const requestChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "requests/invalid-argument",
    description:
      "RunPodSandbox without metadata, and CreateContainer without metadata or without an image, fail with INVALID_ARGUMENT and a message naming the field.",
    async run(ctx) {
      await ctx.ensureImage();
      const noMetadata = PodSandboxConfig.fromPartial({
        ...ctx.sandboxConfig(),
        metadata: undefined,
      });
      await expectInvalid("RunPodSandbox without config.metadata", "metadata", async () => {
        const id = await ctx.client.runPodSandbox(noMetadata);
        ctx.scope.defer(`RemovePodSandbox ${id}`, () => ctx.client.removePodSandbox(id));
      });
      const s = await ctx.runSandbox();
      const valid = ctx.containerConfig("bad", LONG_RUNNING);
      for (const [field, config] of [
        ["metadata", ContainerConfig.fromPartial({ ...valid, metadata: undefined })],
        ["image", ContainerConfig.fromPartial({ ...valid, image: undefined })],
      ] as const)
        await expectInvalid(`CreateContainer without config.${field}`, field, async () => {
          const id = await ctx.client.createContainer(s.id, config, s.config);
          ctx.scope.defer(`RemoveContainer ${id}`, () => ctx.client.removeContainer(id));
        });
    },
  },
];
