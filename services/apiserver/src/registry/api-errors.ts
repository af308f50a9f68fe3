// The failures an API caller can act on, one class each, with the gRPC status code they
// map to at the edge (server/grpc-status.ts). Messages are for people; code decides on
// the class, never on the text.
import type { FieldViolation } from "@k8ts/sdk";

export type ApiErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "ABORTED"
  | "INVALID_ARGUMENT"
  | "FAILED_PRECONDITION"
  | "OUT_OF_RANGE"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "UNAVAILABLE"
  | "DEADLINE_EXCEEDED"
  | "INTERNAL";

export abstract class ApiError extends Error {
  abstract readonly code: ApiErrorCode;
}

export class NotFoundError extends ApiError {
  readonly code = "NOT_FOUND";
  constructor(kind: string, name: string, namespace?: string) {
    super(
      namespace === undefined || namespace === ""
        ? `${kind} "${name}" not found`
        : `${kind} "${name}" not found in namespace "${namespace}"`,
    );
    this.name = "NotFoundError";
  }
}

export class AlreadyExistsError extends ApiError {
  readonly code = "ALREADY_EXISTS";
  constructor(kind: string, name: string, namespace?: string) {
    super(
      namespace === undefined || namespace === ""
        ? `${kind} "${name}" already exists`
        : `${kind} "${name}" already exists in namespace "${namespace}"`,
    );
    this.name = "AlreadyExistsError";
  }
}

/** A stale resourceVersion or a failed precondition: read again and retry. */
export class ConflictError extends ApiError {
  readonly code = "ABORTED";
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

/** The object or request is invalid; lists every bad field. */
export class InvalidError extends ApiError {
  readonly code = "INVALID_ARGUMENT";
  constructor(
    what: string,
    readonly violations: readonly FieldViolation[],
  ) {
    super(
      `${what} is invalid: ${violations.map((v) => (v.field === "" ? v.description : `${v.field}: ${v.description}`)).join("; ")}`,
    );
    this.name = "InvalidError";
  }
}

/** The request is valid but the system is not in a state that allows it. */
export class FailedPreconditionError extends ApiError {
  readonly code = "FAILED_PRECONDITION";
  constructor(message: string) {
    super(message);
    this.name = "FailedPreconditionError";
  }
}

/** A version that is no longer in the history, or an expired continue token: relist. */
export class GoneError extends ApiError {
  readonly code = "OUT_OF_RANGE";
  constructor(message: string) {
    super(message);
    this.name = "GoneError";
  }
}

export class UnauthenticatedError extends ApiError {
  readonly code = "UNAUTHENTICATED";
  constructor(message: string) {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

export class TooManyRequestsError extends ApiError {
  readonly code = "RESOURCE_EXHAUSTED";
  constructor(message: string) {
    super(message);
    this.name = "TooManyRequestsError";
  }
}

export class UnavailableError extends ApiError {
  readonly code = "UNAVAILABLE";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnavailableError";
  }
}

export class TimeoutError extends ApiError {
  readonly code = "DEADLINE_EXCEEDED";
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}
