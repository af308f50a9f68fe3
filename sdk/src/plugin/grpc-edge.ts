// Where a plugin's errors become gRPC statuses, once, at the edge of its services: the
// plugin names the code of each error class of its own; InvalidRequestError and
// StateFileError (plugin-errors.ts) are known here; anything else is INTERNAL and logged,
// being a bug or a failure nobody planned for.
import {
  status,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type StatusObject,
} from "@grpc/grpc-js";
import type { Logger } from "../logging/logger.js";
import { InvalidRequestError, StateFileError } from "./plugin-errors.js";

/** What a handler fails a call with (a unary callback's error, a stream's "error"). */
export type GrpcError = Pick<StatusObject, "code" | "details">;

/** The status code of an error class the plugin defines; undefined for any other error. */
export type StatusCodeOf = (err: unknown) => status | undefined;

export class GrpcEdge {
  constructor(
    private readonly log: Logger,
    private readonly codeOf: StatusCodeOf,
  ) {}

  /** The status of `err`, which failed `method`. */
  toGrpcError(err: unknown, method: string): GrpcError {
    const details = err instanceof Error ? err.message : String(err);
    const code = this.codeOf(err);
    if (code !== undefined) return { code, details };
    if (err instanceof InvalidRequestError) return { code: status.INVALID_ARGUMENT, details };
    if (err instanceof StateFileError) return { code: status.INTERNAL, details };
    this.log.error({ err, method }, "unexpected error");
    return { code: status.INTERNAL, details };
  }

  /**
   * A unary handler: the value of `handle` is the answer, its error (thrown or rejected)
   * the status. `cancelled` aborts when the caller cancels or its deadline passes.
   */
  unary<Req, Res>(
    method: string,
    handle: (request: Req, cancelled: AbortSignal) => Res | Promise<Res>,
  ): handleUnaryCall<Req, Res> {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const cancelled = new AbortController();
      call.on("cancelled", () => cancelled.abort());
      void Promise.resolve()
        .then(() => handle(call.request, cancelled.signal))
        .then(
          (response) => callback(null, response),
          (err: unknown) => callback(this.toGrpcError(err, method)),
        );
    };
  }
}
