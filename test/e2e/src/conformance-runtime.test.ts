// The runtime conformance suite as a plugin author runs it: the real `k8ts` CLI against
// the real mock runtime executable. With --plugin every check runs (none SKIPPED) and
// passes; with only --endpoint the checks that restart the plugin or need a second node
// are SKIPPED with the reason, and the run still succeeds.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RuntimeClient, waitFor } from "@k8ts/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));
const MOCK = fileURLToPath(new URL("../../../runtimes/mock/dist/main.js", import.meta.url));

interface CheckResult {
  name: string;
  status: "PASS" | "FAIL" | "SKIP";
  skipReason?: string;
  failure?: { message: string; expected?: string; seen?: string };
}
interface Report {
  results: CheckResult[];
  summary: { passed: number; failed: number; skipped: number };
  target: { name: string; contractVersion: string };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `k8ts ARGS...` to its end (a failing exit code is an outcome, not an error). */
function k8ts(...args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The failures of a report, readable in a test failure message. */
function failures(report: Report): string {
  return report.results
    .filter((r) => r.status !== "PASS")
    .map((r) =>
      r.status === "SKIP"
        ? `SKIP ${r.name}: ${r.skipReason ?? ""}`
        : `FAIL ${r.name}: ${r.failure?.message ?? ""}\n  expected: ${r.failure?.expected ?? ""}\n  seen: ${r.failure?.seen ?? ""}`,
    )
    .join("\n");
}

let dir: string;
let mock: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-e2e-conf-"));
});
afterEach(async () => {
  const child = mock;
  mock = undefined;
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe("k8ts conformance runtime against runtimes/mock", () => {
  it("passes every check with --plugin, none skipped", async () => {
    const run = await k8ts("conformance", "runtime", "--plugin", MOCK, "-o", "json");
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as Report;
    expect(failures(report)).toBe("");
    expect(report.target).toMatchObject({ name: "mock", contractVersion: "v1" });
    expect(report.summary.skipped).toBe(0);
    expect(report.summary.failed).toBe(0);
    expect(report.summary.passed).toBe(report.results.length);
    expect(run.code).toBe(0);
  }, 120_000);

  it("with only --endpoint, skips the checks that need --plugin and still succeeds", async () => {
    const socket = join(dir, "runtime.sock");
    const log = await open(join(dir, "mock.log"), "a");
    mock = spawn(
      process.execPath,
      [
        MOCK,
        "--node-name",
        "e2e-node",
        "--socket",
        `unix://${socket}`,
        "--state-dir",
        join(dir, "state"),
      ],
      { stdio: ["ignore", log.fd, log.fd] },
    );
    await log.close();
    const client = new RuntimeClient(socket, { deadlineMs: 1000 });
    try {
      await waitFor(
        "the mock runtime to answer Version",
        async () => ((await client.version()).nodeName === "e2e-node" ? true : undefined),
        20_000,
      ).catch(async (e: unknown) => {
        throw new Error(
          `${(e as Error).message}\n${await readFile(join(dir, "mock.log"), "utf8")}`,
        );
      });
    } finally {
      client.close();
    }

    const run = await k8ts("conformance", "runtime", "--endpoint", `unix://${socket}`);
    expect(run.stdout).toMatch(
      /^k8ts conformance runtime: mock .* \(contract v1\), node "e2e-node"/,
    );
    expect(run.stdout).toMatch(/^SKIP {2}plugin\/adoption-after-restart +needs --plugin$/m);
    expect(run.stdout).toMatch(/^SKIP {2}plugin\/node-isolation +needs --plugin$/m);
    expect(run.stdout).not.toMatch(/^FAIL/m);
    expect(run.stdout).toMatch(/\d+ checks: \d+ passed, 0 failed, 2 skipped in /);
    expect(run.code).toBe(0);
  }, 120_000);
});
