// Where a command reads and writes: injectable so tests can run commands in-process and
// read what they printed, or run the real binary as a child process.

export interface Output {
  write(text: string): void;
}

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** The whole of standard input (`apply -f -`). */
  readStdin(): Promise<string>;
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
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    readStdin: () => readAll(process.stdin),
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

/** An in-memory CliIo for in-process tests: what was written is in `out` and `err`. */
export interface BufferedIo extends CliIo {
  out(): string;
  err(): string;
}

export function bufferedIo(
  options: {
    stdin?: string;
    env?: Record<string, string | undefined>;
    now?: () => Date;
    signal?: AbortSignal;
  } = {},
): BufferedIo {
  let out = "";
  let err = "";
  const signal = options.signal ?? new AbortController().signal;
  return {
    stdout: { write: (text) => void (out += text) },
    stderr: { write: (text) => void (err += text) },
    readStdin: () => Promise.resolve(options.stdin ?? ""),
    env: options.env ?? {},
    now: options.now ?? (() => new Date()),
    interrupted: () => signal,
    out: () => out,
    err: () => err,
  };
}
