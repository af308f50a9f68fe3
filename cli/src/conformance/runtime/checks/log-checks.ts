// Container logs in the common format: one entry per line with stream and timestamp,
// tail_lines and since_time, and follow (entries as they are written, end on exit).
import { ContainerState, type LogEntry } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { CheckFailure } from "../../check-failure.js";
import type { Check } from "../../runner.js";
import { describeError, expectEqual, expectNanosNow, show } from "../../expectations.js";
import { readLogs } from "../runtime-streams.js";
import { stateName, type RuntimeCheckContext } from "../runtime-context.js";
import { FOUR_LINES, LINE_PAUSE_LINE, OUT_AND_ERR } from "./commands.js";

function lines(entries: readonly LogEntry[]): string[] {
  return entries.map((e) => e.content.toString("utf8"));
}

function describeEntries(entries: readonly LogEntry[]): string {
  return show(
    entries.map((e) => `${e.stream}${e.partial ? " P" : ""} ${e.content.toString("utf8")}`),
  );
}

export const logChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "logs/format",
    description:
      'ContainerLogs of `sh -c "echo out; echo err >&2"`: one entry per line, stream "stdout" or "stderr", content without its newline, not partial, timestamps in Unix nanoseconds and not decreasing.',
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const c = await ctx.startContainer(s, "out-and-err", OUT_AND_ERR);
      await ctx.waitForState(c, ContainerState.CONTAINER_STATE_EXITED);
      const entries = await ctx.step("ContainerLogs", () =>
        readLogs(ctx.client, { containerId: c, follow: false }, ctx.scope.signal),
      );
      const seen = describeEntries(entries);
      const sorted = [...entries]
        .map(
          (e) => `${e.stream} ${JSON.stringify(e.content.toString("utf8"))} partial=${e.partial}`,
        )
        .sort();
      expectEqual(
        "ContainerLogs of `echo out; echo err >&2`: entries (stream, content, partial)",
        ['stderr "err" partial=false', 'stdout "out" partial=false'],
        sorted,
      );
      for (const e of entries)
        expectNanosNow(`ContainerLogs entry ${e.stream}: timestamp`, e.timestamp);
      for (let i = 1; i < entries.length; i++) {
        const [prev, next] = [entries[i - 1], entries[i]];
        if (prev !== undefined && next !== undefined && next.timestamp < prev.timestamp)
          throw new CheckFailure(
            "ContainerLogs: timestamps in order",
            "entries oldest first",
            `${seen} with timestamps ${show(entries.map((x) => x.timestamp))}`,
          );
      }
    },
  },
  {
    name: "logs/tail-and-since",
    description:
      "ContainerLogs with tail_lines returns the last N entries (0: none; more than there are: all) and with since_time only entries at or after it.",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const c = await ctx.startContainer(s, "four-lines", FOUR_LINES);
      await ctx.waitForState(c, ContainerState.CONTAINER_STATE_EXITED);
      const signal = ctx.scope.signal;
      const all = await ctx.step("ContainerLogs", () =>
        readLogs(ctx.client, { containerId: c, follow: false }, signal),
      );
      expectEqual("ContainerLogs of `echo 1; ... echo 4`: lines", ["1", "2", "3", "4"], lines(all));
      const tail = async (n: number): Promise<string[]> =>
        lines(
          await ctx.step(`ContainerLogs tail_lines ${n}`, () =>
            readLogs(ctx.client, { containerId: c, follow: false, tailLines: n }, signal),
          ),
        );
      expectEqual("ContainerLogs with tail_lines 2", ["3", "4"], await tail(2));
      expectEqual("ContainerLogs with tail_lines 0", [], await tail(0));
      expectEqual(
        "ContainerLogs with tail_lines 10 (more than there are)",
        ["1", "2", "3", "4"],
        await tail(10),
      );
      const third = all[2];
      if (third !== undefined) {
        const since = third.timestamp;
        const expected = lines(all.filter((e) => e.timestamp >= since));
        const seen = await ctx.step("ContainerLogs since_time", () =>
          readLogs(ctx.client, { containerId: c, follow: false, sinceTime: since }, signal),
        );
        expectEqual(
          `ContainerLogs with since_time ${since} (the timestamp of line 3)`,
          expected,
          lines(seen),
        );
      }
    },
  },
  {
    name: "logs/follow",
    description:
      "ContainerLogs with follow sends entries as they are written (the first line while the container still runs, a later line after it) and ends by itself once the container has exited; following an exited container sends its log and ends.",
    async run(ctx) {
      await ctx.ensureImage();
      const s = await ctx.runSandbox();
      const c = await ctx.startContainer(s, "follow", LINE_PAUSE_LINE);
      let stateAtFirst: Promise<string> | undefined;
      const received: string[] = [];
      const followed = readLogs(
        ctx.client,
        { containerId: c, follow: true },
        ctx.scope.signal,
        (entry) => {
          const line = entry.content.toString("utf8");
          received.push(line);
          // The script sleeps 2 s after its first line: a follower gets it while it runs.
          if (line === "first")
            stateAtFirst = ctx.client.containerStatus(c).then(
              (st) => stateName(st.state),
              (e: unknown) => `ContainerStatus failed: ${describeError(e)}`,
            );
        },
      );
      const entries = await ctx.step("ContainerLogs with follow, until it ends", () => followed);
      const ended = await ctx.step("ContainerStatus once the follow ended", () =>
        ctx.client.containerStatus(c),
      );
      expectEqual("ContainerLogs with follow: lines", ["first", "second"], lines(entries));
      expectEqual(
        "state of the container when the follower received its first line",
        stateName(ContainerState.CONTAINER_STATE_RUNNING),
        await ctx.step(
          "ContainerStatus at the first line",
          () => stateAtFirst ?? Promise.resolve("never received"),
        ),
      );
      expectEqual(
        "state of the container when the follow stream ended",
        stateName(ContainerState.CONTAINER_STATE_EXITED),
        stateName(ended.state),
      );
      // Following an exited container sends its log and ends at once.
      const again = await ctx.step("ContainerLogs with follow of the exited container", () =>
        readLogs(ctx.client, { containerId: c, follow: true }, ctx.scope.signal),
      );
      expectEqual(
        "ContainerLogs with follow of an exited container: lines",
        ["first", "second"],
        lines(again),
      );
    },
  },
];
