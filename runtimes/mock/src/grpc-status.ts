// The one place where the mock runtime's errors become gRPC status codes (the SDK's
// GrpcEdge adds InvalidRequestError, StateFileError and the INTERNAL of the unexpected).
import { status } from "@grpc/grpc-js";
import type { StatusCodeOf } from "@k8ts/sdk/plugin";
import {
  ExecTimeoutError,
  NotFoundError,
  ShuttingDownError,
  WrongStateError,
} from "./runtime-errors.js";

export const runtimeStatusCode: StatusCodeOf = (err) => {
  if (err instanceof NotFoundError) return status.NOT_FOUND;
  if (err instanceof WrongStateError) return status.FAILED_PRECONDITION;
  if (err instanceof ExecTimeoutError) return status.DEADLINE_EXCEEDED;
  if (err instanceof ShuttingDownError) return status.UNAVAILABLE;
  return undefined;
};
