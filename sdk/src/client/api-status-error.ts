// A failed API call as the SDK reports it: the gRPC status code, the server's message,
// and every field violation the server named (decoded from the standard
// google.rpc.Status details trailer), so callers can print all of them.
import { status, type ServiceError } from "@grpc/grpc-js";
import { BadRequest } from "../gen/google/rpc/error_details.js";
import { Status } from "../gen/google/rpc/status.js";
import type { FieldViolation } from "../codec/violations.js";

export class ApiStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly violations: readonly FieldViolation[],
    /** The method that failed, e.g. "/k8ts.api.v1.Pods/Create". */
    readonly method: string,
  ) {
    super(message);
    this.name = "ApiStatusError";
  }

  static from(e: ServiceError, method: string): ApiStatusError {
    const violations: FieldViolation[] = [];
    const raw = e.metadata?.get("grpc-status-details-bin")[0];
    if (raw instanceof Buffer) {
      try {
        for (const any of Status.decode(raw).details) {
          if (any.typeUrl.endsWith("/google.rpc.BadRequest"))
            for (const v of BadRequest.decode(any.value).fieldViolations)
              violations.push({ field: v.field, description: v.description });
        }
      } catch {
        // A peer that sends malformed details still gets its code and message through.
        violations.length = 0;
      }
    }
    return new ApiStatusError(e.code, e.details === "" ? e.message : e.details, violations, method);
  }

  get isNotFound(): boolean {
    return this.code === status.NOT_FOUND;
  }
  get isAlreadyExists(): boolean {
    return this.code === status.ALREADY_EXISTS;
  }
  /** A stale resourceVersion or failed precondition: read again, retry. */
  get isConflict(): boolean {
    return this.code === status.ABORTED;
  }
  get isInvalid(): boolean {
    return this.code === status.INVALID_ARGUMENT;
  }
  /** The version is no longer in the server's history (or a continue token expired): relist. */
  get isGone(): boolean {
    return this.code === status.OUT_OF_RANGE;
  }
  get isUnavailable(): boolean {
    return this.code === status.UNAVAILABLE;
  }
}

/** Whether `e` is an ApiStatusError with `code`. */
export function hasStatus(e: unknown, code: status): e is ApiStatusError {
  return e instanceof ApiStatusError && e.code === code;
}
