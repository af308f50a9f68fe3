// The failures a caller of the mock runtime acts on, one class each; grpc-status.ts maps
// them to gRPC status codes, once, at the edge. A bad request and an unreadable state file
// are the SDK's InvalidRequestError and StateFileError, as in every plugin.

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
