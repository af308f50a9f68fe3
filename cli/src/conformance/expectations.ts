// Comparisons that fail a check with a CheckFailure saying what was expected and what was
// seen, including gRPC status codes of calls that should fail.
import { isDeepStrictEqual } from "node:util";
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { CheckFailure } from "./check-failure.js";

export { GrpcStatus };

function isServiceError(e: unknown): e is ServiceError {
  return (
    e instanceof Error &&
    "code" in e &&
    typeof e.code === "number" &&
    "details" in e &&
    typeof e.details === "string"
  );
}

/** "NOT_FOUND", or "code 42" for a code grpc-js does not know. */
export function codeName(code: number): string {
  const name: unknown = GrpcStatus[code];
  return typeof name === "string" ? name : `code ${code}`;
}

/** An error as a report shows it: "NOT_FOUND: container x not found". */
export function describeError(e: unknown): string {
  if (isServiceError(e)) return `${codeName(e.code)}: ${e.details}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The gRPC status code of a failed call, or undefined for other errors. */
export function grpcCode(e: unknown): number | undefined {
  return isServiceError(e) ? e.code : undefined;
}

/** Compact JSON for reports; maps with sorted keys so equal maps print the same. */
export function show(value: unknown): string {
  if (value === undefined) return "absent";
  if (Buffer.isBuffer(value)) return JSON.stringify(value.toString("utf8"));
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !Buffer.isBuffer(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

export function expectEqual<T>(what: string, expected: T, seen: T): void {
  if (!isDeepStrictEqual(expected, seen)) throw new CheckFailure(what, show(expected), show(seen));
}

/** Fails unless `condition`; `expected` says in words what should have held. */
export function expectThat(
  what: string,
  condition: boolean,
  expected: string,
  seen: unknown,
): void {
  if (!condition)
    throw new CheckFailure(what, expected, typeof seen === "string" ? seen : show(seen));
}

/** Awaits `call`, which must fail with gRPC status `code`. */
export async function expectStatus(
  what: string,
  code: GrpcStatus,
  call: () => Promise<unknown>,
): Promise<void> {
  let answer: unknown;
  try {
    answer = await call();
  } catch (e) {
    if (grpcCode(e) === code) return;
    throw new CheckFailure(what, codeName(code), describeError(e));
  }
  throw new CheckFailure(
    what,
    codeName(code),
    `success${answer === undefined ? "" : ` (${show(answer)})`}`,
  );
}

/** Awaits `call`, which must fail somehow (any status); returns the error for the report. */
export async function expectError(what: string, call: () => Promise<unknown>): Promise<unknown> {
  let answer: unknown;
  try {
    answer = await call();
  } catch (e) {
    return e;
  }
  throw new CheckFailure(
    what,
    "an error",
    `success${answer === undefined ? "" : ` (${show(answer)})`}`,
  );
}

/** Awaits `call`, which must succeed (idempotent calls): a failure names the call. */
export async function expectSuccess<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw new CheckFailure(what, "success", describeError(e));
  }
}

// Timestamps of the contract are Unix nanoseconds; one in seconds, milliseconds or
// microseconds is off by orders of magnitude, so a day's tolerance catches every mix-up
// without depending on the runtime's clock being exact.
const DAY_NS = 86_400e9;

export function expectNanosNow(what: string, ns: number): void {
  const now = Date.now() * 1e6;
  expectThat(
    what,
    Math.abs(ns - now) < DAY_NS,
    `Unix nanoseconds close to now (~${now.toExponential(3)})`,
    String(ns),
  );
}
