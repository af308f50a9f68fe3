// The failures a caller of the mock runtime acts on, one class each; runtime-service.ts
// maps them to gRPC status codes, once, at the edge.

/** Unknown sandbox, container or image id (NOT_FOUND). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** The object is in the wrong state for the call (FAILED_PRECONDITION). */
export class WrongStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WrongStateError";
  }
}

/** The request lacks a field or holds a bad one (INVALID_ARGUMENT); names the field. */
export class InvalidRequestError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "InvalidRequestError";
  }
}

/** An exec ran past its timeout and was killed (DEADLINE_EXCEEDED). */
export class ExecTimeoutError extends Error {
  constructor(readonly timeoutSeconds: number) {
    super(`command timed out after ${timeoutSeconds} s`);
    this.name = "ExecTimeoutError";
  }
}

/** The plugin is stopping; the call may succeed on the next instance (UNAVAILABLE). */
export class ShuttingDownError extends Error {
  constructor() {
    super("the runtime plugin is shutting down");
    this.name = "ShuttingDownError";
  }
}
