// One error class per failure a caller of the Store can act on. The apiserver maps them to
// gRPC status codes in one place; nothing matches on messages. `code` is there for the
// same mapping across module copies where instanceof would not hold.

export type StoreErrorCode =
  | "KEY_EXISTS"
  | "KEY_NOT_FOUND"
  | "CONFLICT"
  | "COMPACTED"
  | "STORE_CLOSED"
  | "STORE_FAILED"
  | "STORE_UNAVAILABLE"
  | "DATA_DIR_LOCKED"
  | "STORE_CORRUPT"
  | "INVALID_ARGUMENT";

export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** create() of a key that exists. (gRPC ALREADY_EXISTS) */
export class KeyExistsError extends StoreError {
  readonly code = "KEY_EXISTS";
  constructor(
    readonly key: string,
    readonly modRevision: number,
  ) {
    super(`key ${JSON.stringify(key)} already exists (modRevision ${modRevision})`);
  }
}

/** update()/delete() of a key that does not exist. (gRPC NOT_FOUND) */
export class KeyNotFoundError extends StoreError {
  readonly code = "KEY_NOT_FOUND";
  constructor(readonly key: string) {
    super(`key ${JSON.stringify(key)} not found`);
  }
}

/** A conditional write whose expected modRevision is stale. (gRPC ABORTED) */
export class ConflictError extends StoreError {
  readonly code = "CONFLICT";
  constructor(
    readonly key: string,
    readonly expectedModRevision: number,
    readonly currentModRevision: number,
  ) {
    super(
      `key ${JSON.stringify(key)} is at modRevision ${currentModRevision}, expected ${expectedModRevision}`,
    );
  }
}

/** watch() from a revision whose history is gone: relist. (gRPC OUT_OF_RANGE) */
export class CompactedError extends StoreError {
  readonly code = "COMPACTED";
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision: number,
  ) {
    super(
      `revision ${requestedRevision} is compacted: history starts after revision ${compactRevision}`,
    );
  }
}

/** Any operation after close(). (gRPC UNAVAILABLE) */
export class StoreClosedError extends StoreError {
  readonly code = "STORE_CLOSED";
  constructor() {
    super("store is closed");
  }
}

/**
 * The store failed closed: a commit or flush failed, so the in-memory state can no longer
 * be trusted to match the disk. Every pending and later operation rejects with this error;
 * restart the process (reopening rebuilds everything from disk). `cause` is the original
 * failure. For writes that were in the failed commit, `outcomeUnknown` is true: the write
 * may or may not be on disk, and a reader after restart will tell. (gRPC UNAVAILABLE)
 */
export class StoreFailedError extends StoreError {
  readonly code = "STORE_FAILED";
  constructor(
    cause: unknown,
    readonly outcomeUnknown: boolean,
  ) {
    super(
      outcomeUnknown
        ? `store failed while committing this write (it may or may not be on disk): ${describe(cause)}`
        : `store failed: ${describe(cause)}`,
      { cause },
    );
  }

  /** The same failure, as seen by a write that was (or was not) in the failed commit. */
  forWrite(outcomeUnknown: boolean): StoreFailedError {
    return outcomeUnknown === this.outcomeUnknown
      ? this
      : new StoreFailedError(this.cause, outcomeUnknown);
  }
}

/**
 * A server the store depends on (Redis, NATS) cannot be reached or refused the operation
 * for now. Nothing is wrong with the store itself: it reconnects on its own, and the
 * caller retries. For a write, `outcomeUnknown` is true when the request may have reached
 * the server before the connection failed: it may or may not have been applied, and a
 * read after recovery tells. (gRPC UNAVAILABLE)
 */
export class StoreUnavailableError extends StoreError {
  readonly code = "STORE_UNAVAILABLE";
  constructor(
    /** Which dependency: "redis" or "nats". */
    readonly service: string,
    /** Its address, without credentials. */
    readonly address: string,
    readonly outcomeUnknown: boolean,
    cause: unknown,
  ) {
    super(
      `${service} at ${address} is unavailable${outcomeUnknown ? " (this write may or may not have been applied)" : ""}: ${describe(cause)}`,
      { cause },
    );
  }
}

/** The data dir is owned by another process, or already open in this one. */
export class DataDirLockedError extends StoreError {
  readonly code = "DATA_DIR_LOCKED";
  constructor(
    readonly dataDir: string,
    readonly holder: "this-process" | "another-process",
    readonly holderPid: number | undefined,
  ) {
    super(
      holder === "this-process"
        ? `data dir ${dataDir} is already open in this process`
        : `data dir ${dataDir} is locked by another process${holderPid === undefined ? "" : ` (pid ${holderPid})`}`,
    );
  }
}

/** The data on disk is not in a form this version can use (unknown format, torn state). */
export class StoreCorruptError extends StoreError {
  readonly code = "STORE_CORRUPT";
}

/** A malformed argument: a bug in the caller, never retried. (gRPC INVALID_ARGUMENT) */
export class InvalidArgumentError extends StoreError {
  readonly code = "INVALID_ARGUMENT";
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
