// How a conformance check fails: what was checked, what the contract expects and what
// the implementation did, so a report line tells a plugin author what to fix without
// reading the suite's code.

export class CheckFailure extends Error {
  constructor(
    /** What was checked, e.g. "ContainerStatus of `exit 3` once exited: exit_code". */
    message: string,
    readonly expected?: string,
    readonly seen?: string,
  ) {
    super(message);
    this.name = "CheckFailure";
  }
}
