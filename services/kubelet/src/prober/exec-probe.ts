// exec probe: run a command in the container through the runtime's ExecSync; exit status 0
// is success. The output (stdout, then stderr, at most 10 KiB) is what events show. A
// command that outlives the probe's timeout is a failure, as with Kubernetes'
// ExecProbeTimeout; any other runtime error means the probe could not run.
import { status as grpcStatus } from "@grpc/grpc-js";
import type { RuntimeClient } from "@k8ts/sdk";
import type { ExecSyncResponse } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import {
  failure,
  MAX_PROBE_OUTPUT_BYTES,
  ProbeError,
  success,
  type ProbeOutcome,
} from "./probe-outcome.js";

export type ExecSyncRuntime = Pick<RuntimeClient, "execSync">;

export interface ExecProbeRequest {
  readonly containerId: string;
  readonly command: readonly string[];
  readonly timeoutSeconds: number;
  readonly signal?: AbortSignal;
}

function grpcCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "number" ? err.code : undefined;
}

function outputOf(response: ExecSyncResponse): string {
  const all = Buffer.concat([response.stdout, response.stderr]);
  return all.subarray(0, MAX_PROBE_OUTPUT_BYTES).toString("utf8");
}

export async function execProbe(
  runtime: ExecSyncRuntime,
  request: ExecProbeRequest,
): Promise<ProbeOutcome> {
  let response: ExecSyncResponse;
  try {
    response = await runtime.execSync(
      request.containerId,
      request.command,
      request.timeoutSeconds,
      request.signal,
    );
  } catch (err: unknown) {
    if (grpcCode(err) === grpcStatus.DEADLINE_EXCEEDED)
      return failure(`command ${JSON.stringify(request.command.join(" "))} timed out`);
    const reason = err instanceof Error ? err.message : String(err);
    throw new ProbeError(`exec in container ${request.containerId}: ${reason}`, { cause: err });
  }
  const output = outputOf(response);
  return response.exitCode === 0 ? success(output) : failure(output);
}
