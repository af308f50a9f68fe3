// Runtime log entries to the bytes a user sees, as the Kubernetes kubelet prints them: each
// entry's content, a newline unless the entry is partial, with `timestamps` prefixed by the
// entry's RFC3339Nano UTC time and a space; cut after `limitBytes` bytes.
import type { LogEntry } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";

/** Chunks grow to about this size before a new one starts (small entries are batched). */
const CHUNK_BYTES = 64 * 1024;
/** No chunk is larger than this (grpc-js refuses messages over 4 MiB by default). */
const MAX_CHUNK_BYTES = 1024 * 1024;

const NEWLINE = Buffer.from("\n");

/**
 * Go's time.RFC3339Nano of a Unix-nanosecond time in UTC: the fraction without trailing
 * zeros, none at all on a whole second ("2024-05-01T10:00:00.5Z", "2024-05-01T10:00:00Z").
 */
export function rfc3339Nano(unixNanos: number): string {
  const ns = BigInt(Math.trunc(Math.max(0, unixNanos)));
  const seconds = ns / 1_000_000_000n;
  const fraction = ns % 1_000_000_000n;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (fraction === 0n) return `${whole}Z`;
  return `${whole}.${fraction.toString().padStart(9, "0").replace(/0+$/, "")}Z`;
}

export interface LogFormatOptions {
  readonly timestamps: boolean;
  /** Stop after this many bytes (timestamps included); absent: no limit. */
  readonly limitBytes?: number | undefined;
}

/** Formats the entries of one log stream in order, remembering how much it has sent. */
export class LogFormatter {
  private sent = 0;

  constructor(private readonly options: LogFormatOptions) {}

  /** Whether the byte limit has been reached: nothing more will be formatted. */
  get exhausted(): boolean {
    const limit = this.options.limitBytes;
    return limit !== undefined && this.sent >= limit;
  }

  /** The bytes of `entries`, in chunks; fewer bytes than they hold once the limit is hit. */
  format(entries: readonly LogEntry[]): Buffer[] {
    const chunks: Buffer[] = [];
    let pieces: Buffer[] = [];
    let size = 0;
    const flush = (): void => {
      if (size > 0) chunks.push(Buffer.concat(pieces, size));
      pieces = [];
      size = 0;
    };
    const add = (bytes: Buffer): void => {
      let rest = bytes;
      const limit = this.options.limitBytes;
      if (limit !== undefined) rest = rest.subarray(0, Math.max(0, limit - this.sent));
      this.sent += rest.length;
      while (rest.length > 0) {
        const room = MAX_CHUNK_BYTES - size;
        pieces.push(rest.subarray(0, room));
        size += Math.min(room, rest.length);
        rest = rest.subarray(room);
        if (size >= MAX_CHUNK_BYTES) flush();
      }
      if (size >= CHUNK_BYTES) flush();
    };
    for (const entry of entries) {
      if (this.exhausted) break;
      if (this.options.timestamps) add(Buffer.from(`${rfc3339Nano(entry.timestamp)} `));
      add(entry.content);
      if (!entry.partial) add(NEWLINE);
    }
    flush();
    return chunks;
  }
}
