// `k8ts conformance runtime` run in-process against the test runtime (containers as host
// processes): a correct one passes with the --plugin checks SKIPPED; one that breaks the
// contract on purpose fails, and the report names the broken checks and what was seen.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bufferedIo } from "../../io.js";
import { runCli } from "../../program.js";
import type { ConformanceReport } from "../report.js";
import type { CheckResult } from "../runner.js";
import { ProcessRuntime, type RuntimeFault } from "../testdata/process-runtime.js";

const TEST_PLUGIN = fileURLToPath(new URL("../testdata/process-runtime-main.js", import.meta.url));

let dir: string;
let runtime: ProcessRuntime | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-conf-test-"));
});
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serve(faults: RuntimeFault[] = []): Promise<string> {
  const socket = join(dir, "rt.sock");
  runtime = new ProcessRuntime({ nodeName: "test-node", faults });
  await runtime.serve(socket);
  return `unix://${socket}`;
}

async function conformance(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferedIo();
  const code = await runCli(["conformance", "runtime", ...args], io);
  return { code, out: io.out(), err: io.err() };
}

function byName(report: ConformanceReport): Map<string, CheckResult> {
  return new Map(report.results.map((r) => [r.name, r]));
}

describe("k8ts conformance runtime", () => {
  it("passes a runtime that keeps the contract; --plugin checks are SKIPPED with the reason", async () => {
    const endpoint = await serve();
    const { code, out } = await conformance("--endpoint", endpoint);
    expect(out).toMatch(
      /^k8ts conformance runtime: test-process 0\.0\.0 \(contract v1\), node "test-node"/,
    );
    expect(out).toMatch(/^PASS {2}container\/exit-codes +\d+\.\d\d s$/m);
    expect(out).toMatch(/^SKIP {2}plugin\/adoption-after-restart +needs --plugin$/m);
    expect(out).toMatch(/^SKIP {2}plugin\/node-isolation +needs --plugin$/m);
    expect(out).not.toMatch(/^FAIL/m);
    expect(out).toMatch(/\n27 checks: 25 passed, 0 failed, 2 skipped in /);
    expect(code).toBe(0);
  }, 60_000);

  it("fails a runtime that breaks the contract, naming the checks and what was seen", async () => {
    const endpoint = await serve(["stop-unknown-fails", "drops-labels", "wrong-exit-codes"]);
    const { code, out } = await conformance("--endpoint", endpoint, "-o", "json");
    expect(code).toBe(1);
    const report = JSON.parse(out) as ConformanceReport;
    const results = byName(report);
    expect(results.get("runtime/version")?.status).toBe("PASS");
    expect(results.get("ids/stop-remove-unknown")).toMatchObject({
      status: "FAIL",
      failure: {
        message: "StopContainer of an unknown id",
        expected: "success",
        seen: expect.stringMatching(/^NOT_FOUND: /) as unknown,
      },
    });
    expect(results.get("sandbox/lifecycle")).toMatchObject({
      status: "FAIL",
      failure: { message: "PodSandboxStatus of a new sandbox: labels", seen: "{}" },
    });
    expect(results.get("container/exit-codes")).toMatchObject({
      status: "FAIL",
      failure: {
        message: 'ContainerStatus of `sh -c "exit 3"` once exited: exit_code',
        expected: "3",
        seen: "0",
      },
    });
    expect(results.get("container/stop-timeout")?.failure?.message).toBe(
      "ContainerStatus of the killed container: exit_code (128 + SIGKILL)",
    );
    expect(report.summary.failed).toBeGreaterThanOrEqual(4);
    expect(report.summary.failed).toBe(report.results.filter((r) => r.status === "FAIL").length);
  }, 60_000);

  it("prints each failure with what was expected and seen, and the failed checks last", async () => {
    const endpoint = await serve(["stop-unknown-fails"]);
    const { code, out } = await conformance("--endpoint", endpoint, "--focus", "^ids/");
    expect(code).toBe(1);
    expect(out).toMatch(
      new RegExp(
        [
          "^FAIL  ids/stop-remove-unknown +\\d+\\.\\d\\d s",
          "      StopContainer of an unknown id",
          "        expected: success",
          "        seen:     NOT_FOUND: container conformance-unknown-container-[0-9a-f]+ not found",
        ].join("\n"),
        "m",
      ),
    );
    expect(out).toMatch(/\nFAILED: ids\/stop-remove-unknown, ids\/stop-remove-twice\n$/);
  }, 60_000);

  it("starts, restarts and runs two instances of a --plugin: adoption fails for a plugin that forgets", async () => {
    const { code, out } = await conformance(
      "--plugin",
      TEST_PLUGIN,
      "--focus",
      "^(plugin/|runtime/version)",
      "-o",
      "json",
    );
    const report = JSON.parse(out) as ConformanceReport;
    const results = byName(report);
    expect(report.target.nodeName).toMatch(/^conformance-[0-9a-f]{8}$/);
    expect(results.get("runtime/version")?.status).toBe("PASS");
    expect(results.get("plugin/node-isolation")?.status).toBe("PASS");
    expect(results.get("plugin/adoption-after-restart")).toMatchObject({
      status: "FAIL",
      failure: {
        message: "ListPodSandbox by this check's labels after a restart: ids",
        seen: "[]",
      },
    });
    expect(report.summary).toMatchObject({ skipped: 0, notSelected: 24 });
    expect(code).toBe(1);
  }, 60_000);

  it("refuses to run without a runtime, and says why", async () => {
    const none = await conformance();
    expect(none.code).toBe(1);
    expect(none.err).toBe("error: conformance runtime: --endpoint or --plugin is required\n");

    const nobody = await conformance(
      "--endpoint",
      `unix://${join(dir, "nobody.sock")}`,
      "--timeout",
      "2s",
    );
    expect(nobody.code).toBe(1);
    expect(nobody.err).toMatch(
      /^error: no runtime answers at unix:\/\/.*nobody\.sock: UNAVAILABLE/,
    );

    const dies = await conformance("--plugin", "sh -c 'echo broken config >&2; exit 3'");
    expect(dies.code).toBe(1);
    expect(dies.err).toContain(
      "cannot start the plugin: the plugin exited before answering (exit code 3)",
    );
    expect(dies.err).toContain("broken config");

    const relative = await conformance("--endpoint", "rt.sock");
    expect(relative.err).toContain("--endpoint:");
  }, 30_000);
});
