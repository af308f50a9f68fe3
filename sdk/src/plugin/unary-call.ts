// Promise form of a grpc-js unary call with a deadline, for the callback-style clients
// ts-proto generates. Errors are the grpc-js ServiceError (code, details) unchanged.
import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";

export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

export function callUnary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const call = method(
      request,
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error, response) => {
        signal?.removeEventListener("abort", cancel);
        if (error) reject(error);
        else resolve(response);
      },
    );
    function cancel(): void {
      call.cancel();
    }
    if (signal?.aborted) cancel();
    else signal?.addEventListener("abort", cancel, { once: true });
  });
}

/**
 * Whether `e` is a gRPC error with status `code`, as plugin clients reject with (the
 * grpc-js ServiceError; for the apiserver's typed clients use hasStatus).
 */
export function hasGrpcCode(e: unknown, code: number): boolean {
  return typeof e === "object" && e !== null && "code" in e && e.code === code;
}
