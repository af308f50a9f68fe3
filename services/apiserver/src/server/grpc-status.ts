// Errors to gRPC status, once, at the edge: the code from the error's class, a message
// for people (never a stack trace), and for invalid requests a google.rpc.BadRequest in
// the standard `grpc-status-details-bin` trailer naming every bad field.
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { SelectorParseError, ManifestError } from "@k8ts/sdk";
import { Status } from "@k8ts/sdk/gen/google/rpc/status.js";
import { BadRequest } from "@k8ts/sdk/gen/google/rpc/error_details.js";
import { ApiError, InvalidError, type ApiErrorCode } from "../registry/api-errors.js";
import {
  StoreClosedError,
  StoreFailedError,
  StoreError,
  StoreUnavailableError,
} from "../storage/errors.js";

const CODES: Readonly<Record<ApiErrorCode, status>> = {
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  ABORTED: status.ABORTED,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  OUT_OF_RANGE: status.OUT_OF_RANGE,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  INTERNAL: status.INTERNAL,
};

export interface MappedError {
  readonly error: Partial<ServiceError> & { code: status; details: string; metadata: Metadata };
  /** Unexpected errors are logged by the caller with their stack; expected ones are not. */
  readonly unexpected: boolean;
}

export function toGrpcError(e: unknown): MappedError {
  if (e instanceof SelectorParseError)
    return mapped(status.INVALID_ARGUMENT, e.message, [
      { field: "selector", description: e.reason },
    ]);
  if (e instanceof ManifestError)
    return mapped(
      status.INVALID_ARGUMENT,
      e.message,
      e.violations.map((v) => ({ field: v.field, description: v.description })),
    );
  if (e instanceof InvalidError) return mapped(status.INVALID_ARGUMENT, e.message, e.violations);
  if (e instanceof ApiError) return mapped(CODES[e.code], e.message);
  if (
    e instanceof StoreClosedError ||
    e instanceof StoreFailedError ||
    e instanceof StoreUnavailableError
  )
    return mapped(status.UNAVAILABLE, "the apiserver's storage is unavailable; retry");
  if (e instanceof StoreError)
    return { ...mapped(status.INTERNAL, "internal storage error"), unexpected: true };
  return { ...mapped(status.INTERNAL, "internal error"), unexpected: true };
}

function mapped(
  code: status,
  message: string,
  violations?: ReadonlyArray<{ field: string; description: string }>,
): MappedError {
  const metadata = new Metadata();
  const details = [];
  if (violations !== undefined && violations.length > 0) {
    const bad = BadRequest.encode({
      fieldViolations: violations.map((v) => ({
        field: v.field,
        description: v.description,
        reason: "",
        localizedMessage: undefined,
      })),
    }).finish();
    details.push({ typeUrl: "type.googleapis.com/google.rpc.BadRequest", value: Buffer.from(bad) });
  }
  const statusBytes = Status.encode({ code, message, details }).finish();
  metadata.set("grpc-status-details-bin", Buffer.from(statusBytes));
  return { error: { code, details: message, metadata }, unexpected: false };
}
