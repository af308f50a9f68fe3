import { describe, expect, it } from "vitest";
import {
  BUSY_YIELD_MS,
  initialShellState,
  runUntilBlocked,
  type ShellState,
  type ShellStep,
} from "./shell-interpreter.js";
import { parseScript, programFor, type ShellProgram } from "./shell-script.js";

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  /** Every wait before the end, in order. */
  readonly waits: ShellStep[];
  readonly end: ShellStep;
  readonly state: ShellState;
}

/** Runs a program, resuming every wait at once, until it exits or waits forever. */
function runAll(program: ShellProgram, maxWaits = 20): Run {
  let stdout = "";
  let stderr = "";
  const waits: ShellStep[] = [];
  const state = initialShellState();
  for (;;) {
    const step = runUntilBlocked(program, state, (stream, text) => {
      if (stream === "stdout") stdout += text;
      else stderr += text;
    });
    if (step.kind === "exit" || step.kind === "forever" || waits.length >= maxWaits)
      return { stdout, stderr, waits, end: step, state };
    waits.push(step);
  }
}

const sh = (script: string): Run => runAll(programFor(["sh", "-c", script], []));

describe("shell subset", () => {
  it("echoes to stdout, and to stderr with >&2", () => {
    const r = sh('echo out; echo "err  two" >&2; echo -n tail');
    expect(r.stdout).toBe("out\ntail");
    expect(r.stderr).toBe("err  two\n");
    expect(r.end).toEqual({ kind: "exit", code: 0 });
  });

  it("ends with the status of the last command, or exit N", () => {
    expect(sh("true").end).toEqual({ kind: "exit", code: 0 });
    expect(sh("false").end).toEqual({ kind: "exit", code: 1 });
    expect(sh("exit 3").end).toEqual({ kind: "exit", code: 3 });
    expect(sh("exit 300").end).toEqual({ kind: "exit", code: 44 });
    expect(sh("echo a; exit 7; echo never").stdout).toBe("a\n");
    expect(sh("false; exit").end).toEqual({ kind: "exit", code: 1 });
  });

  it("sleeps for seconds, decimals and units, or forever", () => {
    const r = sh("sleep 2; sleep 0.5; sleep 1m; echo done");
    expect(r.waits).toEqual([
      { kind: "sleep", ms: 2000 },
      { kind: "sleep", ms: 500 },
      { kind: "sleep", ms: 60_000 },
    ]);
    expect(r.stdout).toBe("done\n");
    expect(sh("sleep infinity").end).toEqual({ kind: "forever" });
    expect(sh("sleep 0; echo x").waits).toEqual([]);
    const bad = sh("sleep abc");
    expect(bad.stderr).toBe("sleep: invalid number 'abc'\n");
    expect(bad.end).toEqual({ kind: "exit", code: 1 });
  });

  it("runs a bare command without a shell", () => {
    expect(runAll(programFor(["sleep"], ["5"])).waits).toEqual([{ kind: "sleep", ms: 5000 }]);
    expect(runAll(programFor(["/bin/true"], [])).end).toEqual({ kind: "exit", code: 0 });
    expect(runAll(programFor(["echo", "a", "b"], [])).stdout).toBe("a b\n");
    expect(runAll(programFor(["sh"], ["-c", "exit 4"])).end).toEqual({ kind: "exit", code: 4 });
  });

  it("runs forever with no command (the image's default process)", () => {
    expect(runAll(programFor([], [])).end).toEqual({ kind: "forever" });
  });

  it("fails unknown commands with 127 and sh's message", () => {
    const r = sh("nginx -g 'daemon off;'");
    expect(r.stderr).toBe("sh: nginx: not found\n");
    expect(r.end).toEqual({ kind: "exit", code: 127 });
    const bare = runAll(programFor(["/usr/bin/app"], ["--port", "80"]));
    expect(bare.stderr).toBe("sh: /usr/bin/app: not found\n");
    expect(bare.end).toEqual({ kind: "exit", code: 127 });
  });

  it("loops with while, sleeping between iterations", () => {
    const r = sh("while true; do echo tick; sleep 1; done");
    expect(r.waits.length).toBe(20);
    expect(r.waits[0]).toEqual({ kind: "sleep", ms: 1000 });
    expect(r.stdout.split("\n").filter((l) => l === "tick").length).toBe(21);
  });

  it("yields from a busy loop instead of spinning", () => {
    const r = runAll(parseScript("while :; do echo x; done"), 1);
    expect(r.waits).toEqual([{ kind: "sleep", ms: BUSY_YIELD_MS }]);
  });

  it("follows multi-line scripts, comments and && / ||", () => {
    const r = sh(`
      # a comment
      echo one
      false && echo skipped || echo fallback
      true && echo both
      false || exit 5
    `);
    expect(r.stdout).toBe("one\nfallback\nboth\n");
    expect(r.end).toEqual({ kind: "exit", code: 5 });
  });

  it("ends a while loop whose condition fails with status 0", () => {
    expect(sh("while false; do echo x; done").end).toEqual({ kind: "exit", code: 0 });
  });

  it("records trap of TERM in its state", () => {
    const r = sh('trap "" TERM; sleep 3600');
    expect(r.state.ignoreTerm).toBe(true);
    expect(r.waits).toEqual([{ kind: "sleep", ms: 3_600_000 }]);
    expect(sh("trap '' SIGTERM INT; trap - TERM").state.ignoreTerm).toBe(false);
    const handler = sh('trap "exit 0" TERM');
    expect(handler.stderr).toContain("supports only");
    expect(handler.end).toEqual({ kind: "exit", code: 1 });
  });

  it("reads stdin with cat", () => {
    const r = sh("cat; echo after");
    expect(r.waits).toEqual([{ kind: "read-stdin", target: "stdout" }]);
    expect(r.stdout).toBe("after\n");
    expect(sh("cat >&2").waits).toEqual([{ kind: "read-stdin", target: "stderr" }]);
    expect(sh("cat /etc/hosts").end).toEqual({ kind: "exit", code: 1 });
  });

  it("handles quotes, escapes and /dev/null", () => {
    const r = sh(`echo 'a  b' "c \\"d\\"" e\\ f; echo gone >/dev/null; echo kept 2>/dev/null`);
    expect(r.stdout).toBe('a  b c "d" e f\nkept\n');
    expect(sh("nope 2>&1").stdout).toBe("sh: nope: not found\n");
    expect(sh("nope 2>/dev/null").stderr).toBe("");
  });

  it("fails scripts outside the subset as a shell would, with exit 2", () => {
    for (const script of [
      "echo a | cat",
      "sleep 1 &",
      "if true; then echo; fi",
      "echo 'unterminated",
      "echo > /tmp/file",
      "while true; do echo",
    ]) {
      const r = sh(script);
      expect(r.end, script).toEqual({ kind: "exit", code: 2 });
      expect(r.stderr, script).toMatch(/^sh: syntax error: /);
    }
    expect(runAll(programFor(["sh", "script.sh"], [])).end).toEqual({ kind: "exit", code: 2 });
  });

  it("resumes from a persisted state", () => {
    const program = parseScript("echo a; sleep 1; echo b; exit 3");
    const state = initialShellState();
    const out: string[] = [];
    expect(runUntilBlocked(program, state, (_s, t) => out.push(t))).toEqual({
      kind: "sleep",
      ms: 1000,
    });
    const copy = JSON.parse(JSON.stringify(state)) as ShellState;
    expect(runUntilBlocked(program, copy, (_s, t) => out.push(t))).toEqual({
      kind: "exit",
      code: 3,
    });
    expect(out).toEqual(["a\n", "b\n"]);
  });
});
