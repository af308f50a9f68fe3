// The kubelet API's failures to gRPC status, once, at the edge: the locator's and the
// request's errors by class, a runtime's status passed through with its code and message.
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { BadRequest } from "@k8ts/sdk/gen/google/rpc/error_details.js";
import { Status } from "@k8ts/sdk/gen/google/rpc/status.js";
import { UnauthenticatedError } from "./client-tokens.js";
import {
  ContainerChoiceError,
  ContainerNotFoundError,
  ContainerStateError,
} from "./pod-locator.js";

/** A malformed request; names every bad field. */
export class InvalidRequestError extends Error {
  constructor(readonly violations: ReadonlyArray<{ field: string; description: string }>) {
    super(`invalid request: ${violations.map((v) => `${v.field}: ${v.description}`).join("; ")}`);
    this.name = "InvalidRequestError";
  }
}

/** The runtime broke its contract (e.g. an exec stream without an exit status). */
export class RuntimeContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuntimeContractError";
  }
}

/** The kubelet is stopping: streams end so the server can. */
export class ShuttingDownError extends Error {
  constructor() {
    super("the kubelet is shutting down");
    this.name = "ShuttingDownError";
  }
}

export interface KubeletStatus {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;
  /** Not one of the failures above: a bug, logged with its stack by the caller. */
  readonly unexpected: boolean;
}

/** A grpc-js call error (a runtime's answer): it carries a numeric code and details. */
export function isServiceError(e: unknown): e is ServiceError {
  return (
    e instanceof Error &&
    typeof (e as Partial<ServiceError>).code === "number" &&
    typeof (e as Partial<ServiceError>).details === "string"
  );
}

export function toKubeletStatus(e: unknown): KubeletStatus {
  if (e instanceof InvalidRequestError) return mapped(status.INVALID_ARGUMENT, e.message, e);
  if (e instanceof ContainerNotFoundError) return mapped(status.NOT_FOUND, e.message);
  if (e instanceof ContainerChoiceError) return mapped(status.INVALID_ARGUMENT, e.message);
  if (e instanceof ContainerStateError) return mapped(status.FAILED_PRECONDITION, e.message);
  if (e instanceof UnauthenticatedError) return mapped(status.UNAUTHENTICATED, e.message);
  if (e instanceof ShuttingDownError) return mapped(status.UNAVAILABLE, e.message);
  if (e instanceof RuntimeContractError) return mapped(status.INTERNAL, e.message);
  if (isServiceError(e)) {
    const metadata = new Metadata();
    // The runtime's own details (e.g. a BadRequest) travel on unchanged.
    const details = e.metadata?.get("grpc-status-details-bin")[0];
    if (details instanceof Buffer) metadata.set("grpc-status-details-bin", details);
    return { code: e.code, details: e.details, metadata, unexpected: false };
  }
  return { ...mapped(status.INTERNAL, "internal error"), unexpected: true };
}

function mapped(code: status, message: string, invalid?: InvalidRequestError): KubeletStatus {
  const details = [];
  if (invalid !== undefined) {
    const bad = BadRequest.encode({
      fieldViolations: invalid.violations.map((v) => ({
        field: v.field,
        description: v.description,
        reason: "",
        localizedMessage: undefined,
      })),
    }).finish();
    details.push({ typeUrl: "type.googleapis.com/google.rpc.BadRequest", value: Buffer.from(bad) });
  }
  const metadata = new Metadata();
  metadata.set(
    "grpc-status-details-bin",
    Buffer.from(Status.encode({ code, message, details }).finish()),
  );
  return { code, details: message, metadata, unexpected: false };
}
