import { Metadata, status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { Container, Probe } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import { ExecSyncResponse } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { describe, expect, it } from "vitest";
import { execProbe, type ExecSyncRuntime } from "./exec-probe.js";
import { MAX_PROBE_OUTPUT_BYTES, ProbeError } from "./probe-outcome.js";
import { runProbe } from "./run-probe.js";

interface Call {
  containerId: string;
  cmd: readonly string[];
  timeoutSeconds: number;
}

function grpcError(code: grpcStatus, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${grpcStatus[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

/** An ExecSync that answers every call with `answer` and remembers the calls. */
function fakeRuntime(answer: () => ExecSyncResponse | ServiceError): ExecSyncRuntime & {
  calls: Call[];
} {
  const calls: Call[] = [];
  return {
    calls,
    execSync(containerId, cmd, timeoutSeconds) {
      calls.push({ containerId, cmd, timeoutSeconds });
      const a = answer();
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
}

const exited = (exitCode: number, stdout = "", stderr = ""): ExecSyncResponse =>
  ExecSyncResponse.fromPartial({
    exitCode,
    stdout: Buffer.from(stdout),
    stderr: Buffer.from(stderr),
  });

const request = { containerId: "c1", command: ["cat", "/tmp/healthy"], timeoutSeconds: 2 };

describe("execProbe", () => {
  it("succeeds on exit 0 and passes container, command and timeout to the runtime", async () => {
    const runtime = fakeRuntime(() => exited(0, "ok\n"));
    expect(await execProbe(runtime, request)).toEqual({ result: "success", output: "ok\n" });
    expect(runtime.calls).toEqual([
      { containerId: "c1", cmd: ["cat", "/tmp/healthy"], timeoutSeconds: 2 },
    ]);
  });

  it("fails on another exit status, with stdout then stderr as output", async () => {
    const runtime = fakeRuntime(() => exited(1, "out ", "cat: /tmp/healthy: No such file"));
    expect(await execProbe(runtime, request)).toEqual({
      result: "failure",
      output: "out cat: /tmp/healthy: No such file",
    });
  });

  it("keeps at most 10 KiB of output", async () => {
    const runtime = fakeRuntime(() => exited(2, "x".repeat(MAX_PROBE_OUTPUT_BYTES * 3)));
    const outcome = await execProbe(runtime, request);
    expect(outcome.output.length).toBe(MAX_PROBE_OUTPUT_BYTES);
  });

  it("fails when the command times out (DEADLINE_EXCEEDED)", async () => {
    const runtime = fakeRuntime(() => grpcError(grpcStatus.DEADLINE_EXCEEDED, "timed out"));
    expect(await execProbe(runtime, request)).toEqual({
      result: "failure",
      output: 'command "cat /tmp/healthy" timed out',
    });
  });

  it("throws ProbeError when the runtime cannot run it (the attempt counts for nothing)", async () => {
    const runtime = fakeRuntime(() => grpcError(grpcStatus.UNAVAILABLE, "plugin restarting"));
    await expect(execProbe(runtime, request)).rejects.toBeInstanceOf(ProbeError);
  });
});

describe("runProbe with exec", () => {
  it("expands $(VAR) from literal env values only, as Kubernetes does", async () => {
    const runtime = fakeRuntime(() => exited(0));
    const container = Container.fromPartial({
      name: "app",
      env: [
        { name: "FILE", value: "/tmp/healthy" },
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      ],
    });
    const probe = Probe.fromPartial({
      handler: {
        $case: "exec",
        value: { command: ["test", "-f", "$(FILE)", "$(POD)", "$$(FILE)"] },
      },
    });
    await runProbe(probe, {
      container,
      containerId: "c9",
      podIP: "",
      timeoutSeconds: 1,
      runtime,
      signal: new AbortController().signal,
    });
    expect(runtime.calls[0]?.cmd).toEqual(["test", "-f", "/tmp/healthy", "", "$(FILE)"]);
  });
});
