// Failures the CLI reports to the user without a stack trace. The top level prints them
// and exits with their code; nothing else catches them.

/** A usage or input problem, printed as `error: <message>`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A failure with its lines ready to print as they are (e.g. a server error). */
export class CliFailure extends Error {
  constructor(
    readonly lines: readonly string[],
    readonly exitCode = 1,
  ) {
    super(lines.join("\n"));
    this.name = "CliFailure";
  }
}

/** A failure whose details the command has already printed; only the exit code remains. */
export class ReportedFailure extends Error {
  constructor(readonly exitCode = 1) {
    super("failure already reported");
    this.name = "ReportedFailure";
  }
}
