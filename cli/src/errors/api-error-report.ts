// A failed API call as kubectl words it: `Error from server (NotFound): deployments.apps
// "x" not found`, every field violation on its own line, and connection failures as a
// hint to start the cluster. Mapped from the gRPC status once, here.
import { status } from "@grpc/grpc-js";
import { formatViolation, type ApiStatusError, type KindInfo } from "@k8ts/sdk";
import { pluralRef } from "../kinds/resource-names.js";

/** kubectl's reason for each gRPC status the apiserver answers with. */
const REASONS: Partial<Record<status, string>> = {
  [status.NOT_FOUND]: "NotFound",
  [status.ALREADY_EXISTS]: "AlreadyExists",
  [status.ABORTED]: "Conflict",
  [status.INVALID_ARGUMENT]: "Invalid",
  [status.PERMISSION_DENIED]: "Forbidden",
  // Writes the system's state refuses, e.g. creating in a Terminating namespace.
  [status.FAILED_PRECONDITION]: "Forbidden",
  [status.RESOURCE_EXHAUSTED]: "TooManyRequests",
  [status.DEADLINE_EXCEEDED]: "Timeout",
  [status.OUT_OF_RANGE]: "Expired",
  [status.UNIMPLEMENTED]: "MethodNotAllowed",
  [status.INTERNAL]: "InternalError",
  [status.UNKNOWN]: "InternalError",
};

export interface ErrorSubject {
  readonly kind: KindInfo;
  readonly name: string;
}

export interface ErrorContext {
  /** host:port the CLI talked to, for connection failures. */
  readonly server: string;
  /**
   * The object the call was about, when the call names one (get, delete, patch): a
   * NotFound then reads `deployments.apps "x" not found`, as in kubectl.
   */
  readonly subject?: ErrorSubject;
  /** What was being done, e.g. `error when creating "blog.yaml"`. */
  readonly action?: string;
}

/** The lines to print for a failed call. */
export function apiErrorLines(e: ApiStatusError, context: ErrorContext): string[] {
  if (e.code === status.UNAVAILABLE)
    return [
      `Unable to connect to the server at ${context.server}: is the cluster running? (k8ts up)`,
    ];
  if (e.code === status.UNAUTHENTICATED)
    return [`error: You must be logged in to the server (Unauthorized): ${e.message}`];
  if (e.code === status.CANCELLED) return [`error: the request was cancelled`];
  const reason = REASONS[e.code] ?? "InternalError";
  const action = context.action === undefined ? "" : `${context.action}: `;
  const subject = context.subject;
  if (e.code === status.NOT_FOUND && subject !== undefined)
    return [
      `Error from server (NotFound): ${action}${pluralRef(subject.kind)} "${subject.name}" not found`,
    ];
  if (e.code === status.ALREADY_EXISTS && subject !== undefined)
    return [
      `Error from server (AlreadyExists): ${action}${pluralRef(subject.kind)} "${subject.name}" already exists`,
    ];
  if (e.violations.length > 0) {
    // The server's message repeats the violations on one line; list them one per line.
    const what = subject === undefined ? "the request" : `${subject.kind.kind} "${subject.name}"`;
    return [
      `Error from server (${reason}): ${action}${what} is invalid:`,
      ...e.violations.map((v) => `  ${formatViolation(v)}`),
    ];
  }
  return [`Error from server (${reason}): ${action}${e.message}`];
}
