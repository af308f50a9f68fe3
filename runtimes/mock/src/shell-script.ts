// The command of a simulated container, compiled once into a flat list of instructions
// for the interpreter (shell-interpreter.ts). A flat list with jumps, rather than a tree,
// means a running script's whole position is one number, persisted with the container so
// a restarted plugin resumes it where it was.
//
// The language is a small subset of POSIX sh that busybox runs the same way, so the
// commands the conformance suite uses behave alike on the mock, process and docker
// runtimes: `sh -c SCRIPT` where SCRIPT holds simple commands separated by `;` or
// newlines, `&&` and `||`, `while LIST; do LIST; done`, quotes and backslashes, `#`
// comments, and the redirections `>&2`, `2>&1` and `>/dev/null`. Anything else compiles to
// a program that fails as a shell would (exit 2, "sh: syntax error: ...").

/** Where a command's output goes. */
export type OutputTarget = "stdout" | "stderr" | "null";

/** Runs one simple command (builtin or not) and sets the status. */
export interface RunInstruction {
  readonly op: "run";
  readonly argv: readonly string[];
  readonly stdout: OutputTarget;
  readonly stderr: OutputTarget;
}

/** Continues at `to`: always, or only when the status is zero / non-zero. */
export interface JumpInstruction {
  readonly op: "jump";
  readonly to: number;
  readonly when: "always" | "succeeded" | "failed";
}

/** Sets the status (a while loop that ends is 0). */
export interface StatusInstruction {
  readonly op: "status";
  readonly value: number;
}

/** Writes `sh: MESSAGE` to stderr and exits with `code` (a script that cannot run). */
export interface FailInstruction {
  readonly op: "fail";
  readonly message: string;
  readonly code: number;
}

export type Instruction = RunInstruction | JumpInstruction | StatusInstruction | FailInstruction;

export interface ShellProgram {
  readonly instructions: readonly Instruction[];
}

const SHELLS = new Set(["sh", "ash", "bash", "dash"]);

/** The basename of a command: `/bin/sleep` runs `sleep`. */
export function commandName(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1);
}

/**
 * The program a container or exec runs for `command` + `args` (as CRI joins them):
 * nothing at all runs forever (the image's default process); `sh -c SCRIPT` runs the
 * script; any other argv runs as one command, not through a shell.
 */
export function programFor(command: readonly string[], args: readonly string[]): ShellProgram {
  const argv = [...command, ...args];
  const first = argv[0];
  if (first === undefined) return { instructions: [run(["sleep", "infinity"])] };
  if (SHELLS.has(commandName(first))) {
    if (argv[1] !== "-c")
      return fail(`${first}: the mock runtime's shell only runs "sh -c SCRIPT"`, 2);
    const script = argv[2];
    if (script === undefined) return fail("-c requires an argument", 2);
    return parseScript(script);
  }
  return { instructions: [run(argv)] };
}

function run(argv: readonly string[]): RunInstruction {
  return { op: "run", argv, stdout: "stdout", stderr: "stderr" };
}

function fail(message: string, code: number): ShellProgram {
  return { instructions: [{ op: "fail", message, code }] };
}

/** A script that cannot be run: its message is what sh would print. */
export class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellSyntaxError";
  }
}

/** Compiles SCRIPT of `sh -c SCRIPT`; a script outside the subset fails when run. */
export function parseScript(script: string): ShellProgram {
  try {
    return new Parser(tokenize(script)).program();
  } catch (e) {
    if (e instanceof ShellSyntaxError) return fail(`syntax error: ${e.message}`, 2);
    throw e;
  }
}

type Token =
  | { readonly kind: "word"; readonly text: string; readonly quoted: boolean }
  | { readonly kind: "op"; readonly text: string }
  | { readonly kind: "redirect"; readonly fd: 1 | 2; readonly target: OutputTarget };

const OPERATORS = ["&&", "||", ";;", ";", "|", "&", "(", ")", "<"] as const;
const SUPPORTED_OPERATORS = new Set(["&&", "||", ";", "\n"]);

function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let word = "";
  let inWord = false;
  let quoted = false;
  const endWord = (): void => {
    if (inWord) tokens.push({ kind: "word", text: word, quoted });
    word = "";
    inWord = false;
    quoted = false;
  };
  while (i < script.length) {
    const c = script.charAt(i);
    if (c === " " || c === "\t") {
      endWord();
      i++;
    } else if (c === "\n") {
      endWord();
      tokens.push({ kind: "op", text: "\n" });
      i++;
    } else if (c === "#" && !inWord) {
      while (i < script.length && script.charAt(i) !== "\n") i++;
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError("unterminated quoted string");
      word += script.slice(i + 1, end);
      inWord = quoted = true;
      i = end + 1;
    } else if (c === '"') {
      i = readDoubleQuoted(script, i + 1, (text) => (word += text));
      inWord = quoted = true;
    } else if (c === "\\") {
      const next = script.charAt(i + 1);
      if (next !== "\n") {
        word += next;
        inWord = quoted = true;
      }
      i += 2;
    } else if (c === ">" || (/[12]/.test(c) && !inWord && script.charAt(i + 1) === ">")) {
      endWord();
      i = readRedirect(script, i, tokens);
    } else {
      const op = OPERATORS.find((o) => script.startsWith(o, i));
      if (op === undefined) {
        word += c;
        inWord = true;
        i++;
      } else {
        endWord();
        tokens.push({ kind: "op", text: op });
        i += op.length;
      }
    }
  }
  endWord();
  return tokens;
}

/** Appends the text of a "..." string from `start`; returns the index after its quote. */
function readDoubleQuoted(script: string, start: number, append: (text: string) => void): number {
  let i = start;
  for (;;) {
    if (i >= script.length) throw new ShellSyntaxError("unterminated quoted string");
    const c = script.charAt(i);
    if (c === '"') return i + 1;
    if (c === "\\" && /["\\$`\n]/.test(script.charAt(i + 1))) {
      if (script.charAt(i + 1) !== "\n") append(script.charAt(i + 1));
      i += 2;
    } else {
      append(c);
      i++;
    }
  }
}

/** Reads `[n]>&m`, `[n]>FILE` or `[n]> FILE` at `start`; returns the index after it. */
function readRedirect(script: string, start: number, tokens: Token[]): number {
  let i = start;
  let fd: 1 | 2 = 1;
  if (script.charAt(i) === "2") fd = 2;
  if (script.charAt(i) !== ">") i++;
  i++; // the ">"
  if (script.charAt(i) === ">") i++; // ">>" appends; the same for our targets
  if (script.charAt(i) === "&") {
    const to = script.charAt(i + 1);
    if (to !== "1" && to !== "2") throw new ShellSyntaxError(`unsupported redirection to &${to}`);
    tokens.push({ kind: "redirect", fd, target: to === "1" ? "stdout" : "stderr" });
    return i + 2;
  }
  while (script.charAt(i) === " " || script.charAt(i) === "\t") i++;
  const match = /^[^\s;&|<>()]+/.exec(script.slice(i));
  const file = match?.[0] ?? "";
  if (file !== "/dev/null")
    throw new ShellSyntaxError(
      `cannot redirect to ${JSON.stringify(file)} (the mock runtime's shell writes no files)`,
    );
  tokens.push({ kind: "redirect", fd, target: "null" });
  return i + file.length;
}

const UNSUPPORTED_KEYWORDS = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "for",
  "until",
  "case",
  "esac",
  "function",
  "{",
  "}",
  "!",
]);

class Parser {
  private pos = 0;
  private readonly out: Instruction[] = [];

  constructor(private readonly tokens: readonly Token[]) {}

  program(): ShellProgram {
    this.list(new Set());
    const rest = this.peek();
    if (rest !== undefined) throw unexpected(rest);
    return { instructions: this.out };
  }

  /** Commands separated by `;` or newlines, up to EOF or one of the `until` keywords. */
  private list(until: ReadonlySet<string>): number {
    let commands = 0;
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t === undefined || (t.kind === "word" && !t.quoted && until.has(t.text))) return commands;
      this.andOr();
      commands++;
      const sep = this.peek();
      if (sep === undefined || (sep.kind === "word" && !sep.quoted && until.has(sep.text)))
        return commands;
      if (sep.kind !== "op" || (sep.text !== ";" && sep.text !== "\n")) throw unexpected(sep);
    }
  }

  private skipSeparators(): void {
    for (let t = this.peek(); t?.kind === "op" && (t.text === ";" || t.text === "\n");) {
      this.pos++;
      t = this.peek();
    }
  }

  /** `a && b || c`: each jump skips to the next operator's jump, which tests the status again. */
  private andOr(): void {
    let pending: number[] = [];
    this.command();
    for (;;) {
      const t = this.peek();
      if (t?.kind !== "op" || (t.text !== "&&" && t.text !== "||")) break;
      this.pos++;
      for (const j of pending) this.patch(j, this.out.length);
      pending = [this.emitJump(t.text === "&&" ? "failed" : "succeeded")];
      while (this.peek()?.kind === "op" && this.peekOp() === "\n") this.pos++;
      this.command();
    }
    for (const j of pending) this.patch(j, this.out.length);
  }

  private command(): void {
    const t = this.peek();
    if (t === undefined) throw new ShellSyntaxError("unexpected end of script");
    if (t.kind === "op") throw unexpected(t);
    if (t.kind === "word" && !t.quoted) {
      if (t.text === "while") return this.whileLoop();
      if (t.text === "do" || t.text === "done")
        throw new ShellSyntaxError(`unexpected "${t.text}"`);
      if (UNSUPPORTED_KEYWORDS.has(t.text))
        throw new ShellSyntaxError(`"${t.text}" is not supported by the mock runtime's shell`);
    }
    this.simpleCommand();
  }

  private whileLoop(): void {
    this.pos++; // "while"
    const start = this.out.length;
    if (this.list(new Set(["do"])) === 0) throw new ShellSyntaxError('"while" needs a condition');
    this.expectKeyword("do");
    const exit = this.emitJump("failed");
    if (this.list(new Set(["done"])) === 0) throw new ShellSyntaxError('"do" needs a command');
    this.expectKeyword("done");
    this.out.push({ op: "jump", to: start, when: "always" });
    this.patch(exit, this.out.length);
    // POSIX: the status of the last body command; 0 is right for the loops we run.
    this.out.push({ op: "status", value: 0 });
  }

  private simpleCommand(): void {
    const argv: string[] = [];
    let stdout: OutputTarget = "stdout";
    let stderr: OutputTarget = "stderr";
    for (let t = this.peek(); t !== undefined && t.kind !== "op"; t = this.peek()) {
      this.pos++;
      if (t.kind === "word") argv.push(t.text);
      else if (t.fd === 1) stdout = t.target;
      // 2>&1 sends stderr where stdout goes at that point, as sh does.
      else stderr = t.target === "stdout" ? stdout : t.target;
    }
    if (argv.length === 0) throw new ShellSyntaxError("a redirection without a command");
    this.out.push({ op: "run", argv, stdout, stderr });
  }

  private expectKeyword(word: string): void {
    const t = this.peek();
    if (t?.kind !== "word" || t.quoted || t.text !== word)
      throw new ShellSyntaxError(
        `expected "${word}", found ${t === undefined ? "end of script" : describe(t)}`,
      );
    this.pos++;
  }

  private emitJump(when: JumpInstruction["when"]): number {
    this.out.push({ op: "jump", to: -1, when });
    return this.out.length - 1;
  }

  private patch(index: number, to: number): void {
    const j = this.out[index];
    if (j?.op === "jump") this.out[index] = { ...j, to };
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private peekOp(): string | undefined {
    const t = this.peek();
    return t?.kind === "op" ? t.text : undefined;
  }
}

function unexpected(t: Token): ShellSyntaxError {
  return new ShellSyntaxError(
    t.kind === "op" && !SUPPORTED_OPERATORS.has(t.text)
      ? `${describe(t)} is not supported by the mock runtime's shell`
      : `unexpected ${describe(t)}`,
  );
}

function describe(t: Token): string {
  if (t.kind === "word") return JSON.stringify(t.text);
  if (t.kind === "redirect") return "redirection";
  return t.text === "\n" ? "newline" : `"${t.text}"`;
}
