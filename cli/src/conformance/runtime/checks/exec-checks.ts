// ExecSync and the streamed Exec: output, exit codes, stdin, timeouts, and refusing to run
// in a container that is not running.
import { ContainerState } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { Check } from "../../runner.js";
import { formatSeconds } from "../../runner.js";
import { GrpcStatus, expectEqual, expectStatus, expectThat } from "../../expectations.js";
import { runExec } from "../runtime-streams.js";
import type { RuntimeCheckContext } from "../runtime-context.js";
import { LONG_RUNNING } from "./commands.js";

/** A running container to exec in. */
async function runningContainer(ctx: RuntimeCheckContext): Promise<string> {
  await ctx.ensureImage();
  const s = await ctx.runSandbox();
  const c = await ctx.startContainer(s, "exec-target", LONG_RUNNING);
  await ctx.waitForState(c, ContainerState.CONTAINER_STATE_RUNNING);
  return c;
}

const NO_SUCH_COMMAND = "k8ts-conformance-no-such-command";
const OUT_ERR_EXIT = ["sh", "-c", "echo out; echo err >&2; exit 7"];

export const execChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "exec-sync/output-and-exit-code",
    description:
      'ExecSync returns stdout, stderr and the exit code: `sh -c "echo out; echo err >&2; exit 7"` -> "out\\n", "err\\n", 7; `false` -> 1; `true` -> 0; a command that does not exist -> 127.',
    async run(ctx) {
      const c = await runningContainer(ctx);
      const r = await ctx.step("ExecSync sh -c ...", () =>
        ctx.client.execSync(c, OUT_ERR_EXIT, 10, ctx.scope.signal),
      );
      expectEqual(
        "ExecSync `echo out; echo err >&2; exit 7`: stdout",
        "out\n",
        r.stdout.toString("utf8"),
      );
      expectEqual(
        "ExecSync `echo out; echo err >&2; exit 7`: stderr",
        "err\n",
        r.stderr.toString("utf8"),
      );
      expectEqual("ExecSync `echo out; echo err >&2; exit 7`: exit_code", 7, r.exitCode);
      const no = await ctx.step("ExecSync false", () =>
        ctx.client.execSync(c, ["false"], 10, ctx.scope.signal),
      );
      expectEqual("ExecSync `false`: exit_code", 1, no.exitCode);
      const yes = await ctx.step("ExecSync true", () =>
        ctx.client.execSync(c, ["true"], 10, ctx.scope.signal),
      );
      expectEqual("ExecSync `true`: exit_code", 0, yes.exitCode);
      expectEqual("ExecSync `true`: stdout", "", yes.stdout.toString("utf8"));
      const missing = await ctx.step("ExecSync of a command that does not exist", () =>
        ctx.client.execSync(c, [NO_SUCH_COMMAND], 10, ctx.scope.signal),
      );
      expectEqual(`ExecSync \`${NO_SUCH_COMMAND}\` (not found): exit_code`, 127, missing.exitCode);
    },
  },
  {
    name: "exec-sync/timeout",
    description:
      "ExecSync of `sleep 10` with timeout 1 fails with DEADLINE_EXCEEDED after about a second.",
    async run(ctx) {
      const c = await runningContainer(ctx);
      const started = Date.now();
      await expectStatus("ExecSync `sleep 10` with timeout 1", GrpcStatus.DEADLINE_EXCEEDED, () =>
        ctx.client.execSync(c, ["sleep", "10"], 1, ctx.scope.signal),
      );
      const elapsed = Date.now() - started;
      expectThat(
        "ExecSync `sleep 10` with timeout 1: time to fail",
        elapsed < 6_000,
        "about 1 s (at most 6 s)",
        formatSeconds(elapsed),
      );
    },
  },
  {
    name: "exec/not-running",
    description:
      "ExecSync and Exec in a created (never started) or exited container fail with FAILED_PRECONDITION.",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const created = await ctx.createContainer(s, "created", LONG_RUNNING);
      const stopped = await ctx.startContainer(s, "stopped", LONG_RUNNING);
      await ctx.waitForState(stopped, ContainerState.CONTAINER_STATE_RUNNING);
      await ctx.step("StopContainer", () => ctx.client.stopContainer(stopped, 0));
      const signal = ctx.scope.signal;
      for (const [what, id] of [
        ["a created container", created],
        ["an exited container", stopped],
      ] as const) {
        await expectStatus(`ExecSync in ${what}`, GrpcStatus.FAILED_PRECONDITION, () =>
          ctx.client.execSync(id, ["true"], 5, signal),
        );
        await expectStatus(`Exec in ${what}`, GrpcStatus.FAILED_PRECONDITION, () =>
          runExec(
            ctx.client,
            { containerId: id, cmd: ["true"], stdin: false, tty: false },
            [],
            false,
            signal,
          ),
        );
      }
    },
  },
  {
    name: "exec/stdin",
    description:
      "Exec of `cat` with stdin: the bytes sent come back on stdout, close_stdin ends it, and the stream ends with exit code 0 as its last message.",
    async run(ctx) {
      const c = await runningContainer(ctx);
      const chunks = [Buffer.from("hello conformance\n"), Buffer.from("second chunk, no newline")];
      const r = await ctx.step("Exec cat", () =>
        runExec(
          ctx.client,
          { containerId: c, cmd: ["cat"], stdin: true, tty: false },
          chunks,
          true,
          ctx.scope.signal,
        ),
      );
      expectEqual(
        "Exec `cat`: stdout",
        Buffer.concat(chunks).toString("utf8"),
        r.stdout.toString("utf8"),
      );
      expectEqual("Exec `cat`: exit code", 0, r.exitCode);
      expectEqual("Exec `cat`: messages after exit", 0, r.afterExit);
    },
  },
  {
    name: "exec/exit-code",
    description:
      'Exec of `sh -c "echo out; echo err >&2; exit 7"` streams stdout and stderr apart and ends with exit code 7.',
    async run(ctx) {
      const c = await runningContainer(ctx);
      const r = await ctx.step("Exec sh -c ...", () =>
        runExec(
          ctx.client,
          { containerId: c, cmd: OUT_ERR_EXIT, stdin: false, tty: false },
          [],
          false,
          ctx.scope.signal,
        ),
      );
      expectEqual(
        "Exec `echo out; echo err >&2; exit 7`: stdout",
        "out\n",
        r.stdout.toString("utf8"),
      );
      expectEqual(
        "Exec `echo out; echo err >&2; exit 7`: stderr",
        "err\n",
        r.stderr.toString("utf8"),
      );
      expectEqual("Exec `echo out; echo err >&2; exit 7`: exit code", 7, r.exitCode);
    },
  },
];
