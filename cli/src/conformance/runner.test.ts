// The runner on its own: results, skips, focus, per-check deadlines, cleanup order, and
// interruption, with checks that are plain functions.
import { describe, expect, it } from "vitest";
import { CheckFailure } from "./check-failure.js";
import { runChecks, type Check, type CheckScope, type SuiteOptions } from "./runner.js";

type Ctx = CheckScope;

function options(checks: Check<Ctx>[], extra: Partial<SuiteOptions<Ctx>> = {}): SuiteOptions<Ctx> {
  return {
    checks,
    timeoutMs: 2_000,
    unavailable: (r) => (r === "plugin" ? "needs --plugin" : undefined),
    context: (scope) => scope,
    ...extra,
  };
}

describe("runChecks", () => {
  it("reports PASS, FAIL with expected and seen, and SKIP with the reason", async () => {
    const run = await runChecks(
      options([
        { name: "a/pass", description: "", run: () => Promise.resolve() },
        {
          name: "a/fail",
          description: "",
          run: () => Promise.reject(new CheckFailure("exit code", "3", "0")),
        },
        { name: "a/skip", description: "", requires: ["plugin"], run: () => Promise.resolve() },
      ]),
    );
    expect(run.results.map((r) => [r.name, r.status])).toEqual([
      ["a/pass", "PASS"],
      ["a/fail", "FAIL"],
      ["a/skip", "SKIP"],
    ]);
    expect(run.results[1]?.failure).toEqual({ message: "exit code", expected: "3", seen: "0" });
    expect(run.results[2]?.skipReason).toBe("needs --plugin");
  });

  it("turns an error in a step into a failure naming the step", async () => {
    const run = await runChecks(
      options([
        {
          name: "step",
          description: "",
          run: (scope) => scope.step("RunPodSandbox", () => Promise.reject(new Error("boom"))),
        },
      ]),
    );
    expect(run.results[0]?.failure).toEqual({
      message: "RunPodSandbox failed",
      expected: "success",
      seen: "boom",
    });
  });

  it("fails a check past its deadline, naming its step, and still cleans up", async () => {
    const undone: string[] = [];
    const run = await runChecks(
      options(
        [
          {
            name: "slow",
            description: "",
            run: async (scope) => {
              scope.defer("first", () => Promise.resolve(void undone.push("first")));
              scope.defer("second", () => Promise.resolve(void undone.push("second")));
              await scope.step("StopContainer x", () => new Promise(() => undefined));
            },
          },
        ],
        { timeoutMs: 100 },
      ),
    );
    expect(run.results[0]?.status).toBe("FAIL");
    expect(run.results[0]?.failure?.message).toBe(
      "did not finish within 0.10 s (during: StopContainer x)",
    );
    expect(undone).toEqual(["second", "first"]);
  });

  it("fails a passing check whose cleanup fails", async () => {
    const run = await runChecks(
      options([
        {
          name: "leaky",
          description: "",
          run: (scope) => {
            scope.defer("RemovePodSandbox x", () => Promise.reject(new Error("NOT_FOUND")));
            return Promise.resolve();
          },
        },
      ]),
    );
    expect(run.results[0]?.status).toBe("FAIL");
    expect(run.results[0]?.failure?.message).toBe("cleanup failed: RemovePodSandbox x: NOT_FOUND");
  });

  it("runs only focused checks and counts the others", async () => {
    const ran: string[] = [];
    const check = (name: string): Check<Ctx> => ({
      name,
      description: "",
      run: () => Promise.resolve(void ran.push(name)),
    });
    const run = await runChecks(
      options([check("logs/a"), check("exec/b"), check("logs/c")], { focus: /^logs\// }),
    );
    expect(ran).toEqual(["logs/a", "logs/c"]);
    expect(run.unfocused).toBe(1);
  });

  it("stops at an interruption: the current check is skipped and cleaned up, the rest do not run", async () => {
    const controller = new AbortController();
    const undone: string[] = [];
    const run = await runChecks(
      options(
        [
          {
            name: "first",
            description: "",
            run: async (scope) => {
              scope.defer("undo", () => Promise.resolve(void undone.push("undo")));
              controller.abort();
              await scope.step("wait", () => new Promise(() => undefined));
            },
          },
          { name: "second", description: "", run: () => Promise.resolve() },
        ],
        { signal: controller.signal },
      ),
    );
    expect(run.results.map((r) => [r.name, r.status, r.skipReason])).toEqual([
      ["first", "SKIP", "interrupted"],
    ]);
    expect(run.interrupted).toBe(true);
    expect(undone).toEqual(["undo"]);
  });

  it("undoes at once what a timed-out check creates after its cleanup", async () => {
    const undone: string[] = [];
    const warnings: string[] = [];
    let late: (() => void) | undefined;
    const lateDone = new Promise<void>((resolve) => (late = resolve));
    const run = await runChecks(
      options(
        [
          {
            name: "late",
            description: "",
            run: async (scope) => {
              await new Promise((resolve) => setTimeout(resolve, 200));
              scope.defer("RemovePodSandbox late", () => {
                undone.push("late");
                late?.();
                return Promise.reject(new Error("NOT_FOUND"));
              });
            },
          },
        ],
        { timeoutMs: 50, warn: (m) => warnings.push(m) },
      ),
    );
    expect(run.results[0]?.status).toBe("FAIL");
    await lateDone;
    await new Promise((resolve) => setImmediate(resolve));
    expect(undone).toEqual(["late"]);
    expect(warnings).toEqual(["late: late cleanup failed: RemovePodSandbox late: NOT_FOUND"]);
  });
});
