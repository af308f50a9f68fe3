// Where a command reads and writes: injectable so tests can run commands in-process and
// read what they printed, or run the real binary as a child process.
import { PassThrough, Readable } from "node:stream";

export interface Output {
  /** Text, or bytes as they are (`logs`, `exec`: a container's output need not be UTF-8). */
  write(data: string | Uint8Array): void;
}

/** A terminal's size in character cells. */
export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

/** The terminal standard input comes from (`exec -t`). */
export interface Terminal {
  /** Its size, when known. */
  size(): TerminalSize | undefined;
  /** Calls `listener` whenever the size changes (SIGWINCH); returns the unsubscribe. */
  onResize(listener: () => void): () => void;
  /** Raw mode: every key goes to the program as typed (Ctrl-C included), nothing echoed. */
  setRaw(raw: boolean): void;
}

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** The whole of standard input (`apply -f -`). */
  readStdin(): Promise<string>;
  /**
   * Standard input as bytes, as they come (`exec -i`). The caller destroys it when done
   * (a process keeps running while its stdin is open).
   */
  stdinStream(): Readable;
  /** The terminal standard input comes from, or undefined when it is not a terminal. */
  terminal(): Terminal | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The clock AGE columns are measured against. */
  now(): Date;
  /**
   * A signal aborted on Ctrl-C or SIGTERM, for commands that run until stopped (`get -w`).
   * For the real process, the first call installs the signal handlers; commands that do
   * not call it keep Node's default handling (and `k8ts up` its own).
   */
  interrupted(): AbortSignal;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** The real process: stdout, stderr, stdin, environment, clock and signals. */
export function processIo(): CliIo {
  // A closed pipe (`k8ts get pods | head -1`) ends the command quietly, as kubectl does.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  let controller: AbortController | undefined;
  return {
    stdout: { write: (data) => void process.stdout.write(data) },
    stderr: { write: (data) => void process.stderr.write(data) },
    readStdin: () => readAll(process.stdin),
    stdinStream: () => process.stdin,
    terminal: () => (process.stdin.isTTY ? processTerminal() : undefined),
    env: process.env,
    now: () => new Date(),
    interrupted: () => {
      if (controller === undefined) {
        const c = new AbortController();
        controller = c;
        const stop = (): void => c.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      }
      return controller.signal;
    },
  };
}

/** The process's terminal: stdin for raw mode, the first of stdout/stderr that is a TTY for the size. */
function processTerminal(): Terminal {
  const screen = [process.stdout, process.stderr].find((s) => s.isTTY);
  return {
    size: () => (screen === undefined ? undefined : { width: screen.columns, height: screen.rows }),
    onResize: (listener) => {
      process.on("SIGWINCH", listener);
      return () => {
        process.off("SIGWINCH", listener);
      };
    },
    setRaw: (raw) => {
      process.stdin.setRawMode(raw);
    },
  };
}

/** An in-memory CliIo for in-process tests: what was written is in `out` and `err`. */
export interface BufferedIo extends CliIo {
  out(): string;
  err(): string;
}

export function bufferedIo(
  options: {
    stdin?: string;
    /** Standard input as a stream (`exec -i`), e.g. a PassThrough a test writes to; default: `stdin`. */
    input?: Readable;
    /** A terminal behind stdin (`exec -t`). */
    terminal?: Terminal;
    env?: Record<string, string | undefined>;
    now?: () => Date;
    signal?: AbortSignal;
  } = {},
): BufferedIo {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const bytes = (data: string | Uint8Array): Buffer =>
    typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  const signal = options.signal ?? new AbortController().signal;
  return {
    stdout: { write: (data) => void out.push(bytes(data)) },
    stderr: { write: (data) => void err.push(bytes(data)) },
    readStdin: () => Promise.resolve(options.stdin ?? ""),
    stdinStream: () =>
      options.input ??
      (options.stdin === undefined
        ? new PassThrough().end()
        : Readable.from([Buffer.from(options.stdin, "utf8")])),
    terminal: () => options.terminal,
    env: options.env ?? {},
    now: options.now ?? (() => new Date()),
    interrupted: () => signal,
    out: () => Buffer.concat(out).toString("utf8"),
    err: () => Buffer.concat(err).toString("utf8"),
  };
}
