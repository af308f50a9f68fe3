// The one place where the mock runtime's errors become gRPC status codes.
import { status, type StatusObject } from "@grpc/grpc-js";
import type { Logger } from "@k8ts/sdk";
import {
  ExecTimeoutError,
  InvalidRequestError,
  NotFoundError,
  ShuttingDownError,
  WrongStateError,
} from "./runtime-errors.js";
import { StateFileError } from "./runtime-records.js";

export type GrpcError = Pick<StatusObject, "code" | "details">;

/** The status of `err`; anything unexpected is INTERNAL, and logged. */
export function toGrpcError(err: unknown, log: Logger, method: string): GrpcError {
  const details = err instanceof Error ? err.message : String(err);
  if (err instanceof NotFoundError) return { code: status.NOT_FOUND, details };
  if (err instanceof WrongStateError) return { code: status.FAILED_PRECONDITION, details };
  if (err instanceof InvalidRequestError) return { code: status.INVALID_ARGUMENT, details };
  if (err instanceof ExecTimeoutError) return { code: status.DEADLINE_EXCEEDED, details };
  if (err instanceof ShuttingDownError) return { code: status.UNAVAILABLE, details };
  if (err instanceof StateFileError) return { code: status.INTERNAL, details };
  log.error({ err, method }, "unexpected error");
  return { code: status.INTERNAL, details };
}
