// `k8ts logs POD [-c CONTAINER] [-f] [--timestamps] [-p] [--tail N] [--since D]
// [--limit-bytes N]`: a container's log, streamed from its kubelet through the apiserver,
// written to stdout byte for byte as it arrives. Ends (exit 0) when the log does, or on
// Ctrl-C with -f.
import type { ServiceError } from "@grpc/grpc-js";
import type { PodLogsChunk, PodLogsRequest } from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import { InvalidArgumentError, type Command } from "commander";
import type { CliIo } from "../io.js";
import { Session } from "../session.js";
import { chooseContainer, getPod, podNameOf } from "../streams/pod-target.js";
import { PodStreams } from "../streams/pod-streams.js";
import { durationValue, globalFlags, nonNegativeInt } from "./command-options.js";

interface LogsOptions {
  container?: string;
  follow?: boolean;
  timestamps?: boolean;
  previous?: boolean;
  tail: number;
  since?: number;
  limitBytes?: number;
}

function tailValue(value: string): number {
  if (!/^-?\d+$/.test(value) || Number(value) < -1)
    throw new InvalidArgumentError("--tail must be -1 (all) or a non-negative integer");
  return Number(value);
}

/** Streams the log to stdout; resolves at its end or when `signal` aborts. */
function streamLogs(
  streams: PodStreams,
  request: PodLogsRequest,
  io: CliIo,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = streams.client.logs(request, streams.metadata());
    const stop = (): void => call.cancel();
    signal?.addEventListener("abort", stop, { once: true });
    const done = (): void => signal?.removeEventListener("abort", stop);
    call.on("data", (chunk: PodLogsChunk) => io.stdout.write(chunk.data));
    call.on("error", (e: ServiceError) => {
      done();
      if (signal?.aborted === true) resolve();
      else reject(streams.failure(e, "logs"));
    });
    call.on("end", () => {
      done();
      resolve();
    });
  });
}

export function registerLogs(program: Command, io: CliIo): void {
  program
    .command("logs")
    .description("Print the logs of a container in a pod")
    .argument("<pod>", "POD or pod/POD")
    .option("-c, --container <name>", "the container (default: the pod's only or first one)")
    .option("-f, --follow", "keep streaming new output until the container exits or Ctrl-C")
    .option("--timestamps", "prefix each line with its RFC 3339 timestamp")
    .option("-p, --previous", "the log of the container's previous run (before its last restart)")
    .option("--tail <lines>", "lines of recent log to show; -1: all", tailValue, -1)
    .option(
      "--since <duration>",
      "only lines newer than this, e.g. 10s, 5m, 1h",
      durationValue("--since"),
    )
    .option(
      "--limit-bytes <n>",
      "stop after this many bytes; 0: no limit",
      nonNegativeInt("--limit-bytes"),
    )
    .addHelpText(
      "after",
      `
Examples:
  k8ts logs web-7d4b9c-x2x7z -n blog
  k8ts logs pod/web-7d4b9c-x2x7z -c sidecar --tail 20 -f
  k8ts logs web-7d4b9c-x2x7z --previous --timestamps`,
    )
    .action(async (arg: string, options: LogsOptions, cmd: Command) => {
      const name = podNameOf(arg, "get logs for");
      await Session.with(globalFlags(cmd), io, async (session) => {
        const pod = await getPod(session, name);
        const container = chooseContainer(
          pod,
          options.container,
          io.stderr,
          (c) => `container ${c} is not valid for pod ${name}`,
        );
        const request: PodLogsRequest = {
          namespace: session.namespace,
          name,
          container,
          follow: options.follow === true,
          previous: options.previous === true,
          timestamps: options.timestamps === true,
          tailLines: options.tail < 0 ? undefined : options.tail,
          sinceSeconds:
            options.since === undefined || options.since === 0
              ? undefined
              : Math.ceil(options.since / 1000),
          limitBytes:
            options.limitBytes === undefined || options.limitBytes === 0
              ? undefined
              : options.limitBytes,
        };
        const streams = new PodStreams(session);
        try {
          await streamLogs(
            streams,
            request,
            io,
            options.follow === true ? io.interrupted() : undefined,
          );
        } finally {
          streams.close();
        }
      });
    });
}
