// Runs a ShellProgram (shell-script.ts) as a step machine: it executes instructions until
// the script must wait (sleep, reading stdin) or ends, and returns what it waits for. The
// caller owns time: a container resumes the machine from one timer at the simulated
// instant its sleep ends (so a restarted plugin can catch up exactly), an exec resumes it
// from a live timer or when stdin arrives. The machine's whole state is a small JSON
// value, persisted with the container.
import { commandName, type OutputTarget, type ShellProgram } from "./shell-script.js";

/** Where a running script is. Plain data: it is persisted as it is. */
export interface ShellState {
  /** Index of the next instruction. */
  pc: number;
  /** Status of the last command ($?). */
  status: number;
  /** `trap "" TERM` is in effect: SIGTERM is ignored. */
  ignoreTerm: boolean;
}

/** What the script waits for after runUntilBlocked. */
export type ShellStep =
  /** Resume after `ms` milliseconds (a sleep; also a busy loop yielding). */
  | { readonly kind: "sleep"; readonly ms: number }
  /** Never resumes on its own (`sleep infinity`): only a signal ends it. */
  | { readonly kind: "forever" }
  /** `cat`: copy stdin to `target` until stdin ends, then resume. */
  | { readonly kind: "read-stdin"; readonly target: OutputTarget }
  /** The script ended with this exit code. */
  | { readonly kind: "exit"; readonly code: number };

export type ShellOutput = (stream: "stdout" | "stderr", text: string) => void;

/** Instructions run per call before a script that never waits yields (a busy loop). */
export const STEP_BUDGET = 10_000;
/** How long a busy script yields, so one container cannot take the plugin's CPU. */
export const BUSY_YIELD_MS = 10;

export function initialShellState(): ShellState {
  return { pc: 0, status: 0, ignoreTerm: false };
}

/**
 * Runs `program` from `state` (which it updates) until it waits or exits, writing output
 * through `out`. A wait is already accounted for in `state`: to resume, call again.
 */
export function runUntilBlocked(
  program: ShellProgram,
  state: ShellState,
  out: ShellOutput,
  budget = STEP_BUDGET,
): ShellStep {
  for (let steps = 0; steps < budget; steps++) {
    const ins = program.instructions[state.pc];
    if (ins === undefined) return { kind: "exit", code: state.status };
    state.pc++;
    switch (ins.op) {
      case "jump":
        if (
          ins.when === "always" ||
          (ins.when === "succeeded" && state.status === 0) ||
          (ins.when === "failed" && state.status !== 0)
        )
          state.pc = ins.to;
        break;
      case "status":
        state.status = ins.value;
        break;
      case "fail":
        out("stderr", `sh: ${ins.message}\n`);
        return { kind: "exit", code: ins.code };
      case "run": {
        const write = (target: OutputTarget, text: string): void => {
          if (target !== "null") out(target, text);
        };
        const io: CommandIO = {
          stdout: (text) => write(ins.stdout, text),
          stderr: (text) => write(ins.stderr, text),
        };
        const result = runCommand(ins.argv, state, io);
        if (typeof result === "number") {
          state.status = result;
          break;
        }
        if (result.kind === "exit") return result;
        // Waiting: the command succeeds once the wait is over (sleep, cat).
        state.status = 0;
        return result.kind === "read-stdin" ? { ...result, target: ins.stdout } : result;
      }
    }
  }
  return { kind: "sleep", ms: BUSY_YIELD_MS };
}

interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A command either finishes at once with a status, or waits, or exits the script. */
function runCommand(argv: readonly string[], state: ShellState, io: CommandIO): number | ShellStep {
  const name = argv[0] ?? "";
  const args = argv.slice(1);
  switch (commandName(name)) {
    case "echo":
      return echo(args, io);
    case "true":
    case ":":
      return 0;
    case "false":
      return 1;
    case "sleep":
      return sleep(args, io);
    case "exit": {
      const code = args[0] === undefined ? state.status : parseExitCode(args[0]);
      if (code === undefined) {
        io.stderr(`sh: exit: Illegal number: ${args[0] ?? ""}\n`);
        return { kind: "exit", code: 2 };
      }
      return { kind: "exit", code };
    }
    case "trap":
      return trap(args, state, io);
    case "cat":
      if (args.every((a) => a === "-")) return { kind: "read-stdin", target: "stdout" };
      for (const file of args.filter((a) => a !== "-"))
        io.stderr(`cat: can't open '${file}': No such file or directory\n`);
      return 1;
    default:
      io.stderr(`sh: ${name}: not found\n`);
      return 127;
  }
}

function echo(args: readonly string[], io: CommandIO): number {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i] ?? ""); i++) {
    const flags = args[i] ?? "";
    if (flags.includes("n")) newline = false;
    if (flags.includes("e")) escapes = true;
    if (flags.includes("E")) escapes = false;
  }
  let text = args.slice(i).join(" ");
  if (escapes) {
    const cut = text.indexOf("\\c");
    if (cut >= 0) {
      text = text.slice(0, cut);
      newline = false;
    }
    text = text.replace(/\\([nt\\])/g, (_m, c: string) =>
      c === "n" ? "\n" : c === "t" ? "\t" : "\\",
    );
  }
  io.stdout(newline ? `${text}\n` : text);
  return 0;
}

const SLEEP_UNITS: Readonly<Record<string, number>> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

function sleep(args: readonly string[], io: CommandIO): number | ShellStep {
  if (args.length === 0) {
    io.stderr("sleep: missing operand\n");
    return 1;
  }
  let seconds = 0;
  for (const arg of args) {
    if (/^(inf|infinity)$/i.test(arg)) return { kind: "forever" };
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
    if (m === null) {
      io.stderr(`sleep: invalid number '${arg}'\n`);
      return 1;
    }
    seconds += Number(m[1]) * (SLEEP_UNITS[m[2] ?? ""] ?? 1);
  }
  const ms = seconds * 1000;
  return ms > 0 ? { kind: "sleep", ms } : 0;
}

function parseExitCode(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  return Number(text) & 255;
}

const TERM_NAMES = new Set(["TERM", "SIGTERM", "15"]);

/**
 * `trap "" TERM` ignores SIGTERM, `trap - TERM` restores it. Other signals are accepted
 * and make no difference (the runtime sends only TERM and KILL); a handler command is
 * not supported and says so.
 */
function trap(args: readonly string[], state: ShellState, io: CommandIO): number {
  const [action, ...signals] = args;
  if (action === undefined) return 0;
  let status = 0;
  for (const signal of signals) {
    if (!TERM_NAMES.has(signal.toUpperCase())) continue;
    if (action === "") state.ignoreTerm = true;
    else if (action === "-") state.ignoreTerm = false;
    else {
      io.stderr(
        `sh: trap: the mock runtime's shell supports only trap "" TERM and trap - TERM, not ${JSON.stringify(action)}\n`,
      );
      status = 1;
    }
  }
  return status;
}
