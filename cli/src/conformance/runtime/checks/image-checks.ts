// Images: pulling (also of an image that does not exist), status, listing, removal, and
// refusing to create a container from an image that is not present.
import type { Check } from "../../runner.js";
import { CheckFailure } from "../../check-failure.js";
import {
  GrpcStatus,
  expectEqual,
  expectError,
  expectStatus,
  expectSuccess,
  expectThat,
  show,
} from "../../expectations.js";
import type { RuntimeCheckContext } from "../runtime-context.js";
import { LONG_RUNNING } from "./commands.js";

export const imageChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "image/pull-status-list",
    description:
      "PullImage of --image returns its ref (the same when pulled again); ImageStatus then reports it with an id; ListImages contains it; ImageStatus of an absent image answers no image (not an error).",
    async run(ctx) {
      const ref = await ctx.ensureImage();
      expectThat(`PullImage ${ctx.image}: image_ref`, ref !== "", "an id or digest", '""');
      const again = await ctx.step(`PullImage ${ctx.image} again`, () =>
        ctx.client.pullImage(ctx.image),
      );
      expectEqual(`PullImage of a present image: image_ref`, ref, again);
      const image = await ctx.step("ImageStatus", () => ctx.client.imageStatus(ctx.image));
      if (image === undefined)
        throw new CheckFailure(`ImageStatus ${ctx.image} after PullImage`, "the image", "no image");
      expectThat(`ImageStatus ${ctx.image}: id`, image.id !== "", "an id", '""');
      const images = await ctx.step("ListImages", () => ctx.client.listImages());
      expectThat(
        `ListImages after pulling ${ctx.image}`,
        images.some((i) => i.id === image.id),
        `an image with id ${image.id}`,
        show(images.map((i) => ({ id: i.id, repoTags: i.repoTags }))),
      );
      const absent = await ctx.step("ImageStatus of an absent image", () =>
        ctx.client.imageStatus(ctx.setup.missingImage),
      );
      expectEqual(`ImageStatus ${ctx.setup.missingImage} (never pulled)`, undefined, absent);
    },
  },
  {
    name: "image/pull-missing",
    description:
      "PullImage of --missing-image (an image that does not exist) fails with NOT_FOUND.",
    async run(ctx) {
      await expectStatus(`PullImage ${ctx.setup.missingImage}`, GrpcStatus.NOT_FOUND, () =>
        ctx.client.pullImage(ctx.setup.missingImage, ctx.scope.remainingMs()),
      );
    },
  },
  {
    name: "image/remove-idempotent",
    description: "RemoveImage of an absent image succeeds, also twice.",
    async run(ctx) {
      const missing = ctx.setup.missingImage;
      await expectSuccess(`RemoveImage ${missing} (absent)`, () => ctx.client.removeImage(missing));
      await expectSuccess(`RemoveImage ${missing} (absent) again`, () =>
        ctx.client.removeImage(missing),
      );
    },
  },
  {
    name: "image/create-without-image",
    description:
      "CreateContainer with an image that is not present (--missing-image) fails, with any status (CRI runtimes answer NOT_FOUND).",
    async run(ctx) {
      const s = await ctx.runSandbox();
      const config = ctx.containerConfig("no-image", LONG_RUNNING, {
        image: ctx.setup.missingImage,
      });
      await expectError(`CreateContainer with image ${ctx.setup.missingImage}`, async () => {
        const id = await s.client.createContainer(s.id, config, s.config);
        ctx.scope.defer(`RemoveContainer ${id}`, () => s.client.removeContainer(id));
        return id;
      });
    },
  },
];
