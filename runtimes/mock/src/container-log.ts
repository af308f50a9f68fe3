// The log of one simulated container: what its script wrote, cut into lines of the common
// log format, bounded to the last `capacity` entries (older ones are dropped, as a rotated
// log file loses them). Followers subscribe and are told when entries arrive and when the
// log has ended (the container exited or was removed).
import type { LogLine, LogStream } from "@k8ts/sdk/plugin";

/** An entry with its position in the log (1, 2, ...; never reused). */
export interface LogRecord extends LogLine {
  readonly seq: number;
}

/** Entries kept per container. */
export const LOG_CAPACITY = 1000;
/** Longest line kept whole; longer ones are cut into partial entries (as CRI's 16 KiB). */
export const MAX_LINE_BYTES = 16 * 1024;

export class ContainerLog {
  private entries: LogRecord[] = [];
  private nextSeq = 1;
  private lastTimeUs = 0;
  private readonly pending: Record<LogStream, string> = { stdout: "", stderr: "" };
  private readonly listeners = new Set<() => void>();
  private ended = false;

  constructor(
    initial: readonly LogLine[] = [],
    pending: Partial<Record<LogStream, string>> = {},
    private readonly capacity = LOG_CAPACITY,
  ) {
    for (const line of initial.slice(-capacity)) this.push(line);
    this.pending.stdout = pending.stdout ?? "";
    this.pending.stderr = pending.stderr ?? "";
  }

  /** Output of the container at `atUs`: complete lines become entries, the rest waits. */
  write(stream: LogStream, text: string, atUs: number): void {
    if (this.ended || text === "") return;
    const lines = (this.pending[stream] + text).split("\n");
    this.pending[stream] = lines.pop() ?? "";
    for (const line of lines) this.appendLine(stream, line, atUs);
    // A line that grows past the limit without a newline is cut now, not held forever.
    while (Buffer.byteLength(this.pending[stream]) > MAX_LINE_BYTES) {
      const head = cutBytes(this.pending[stream], MAX_LINE_BYTES);
      this.pending[stream] = this.pending[stream].slice(head.length);
      this.append({ timeUs: atUs, stream, partial: true, content: head });
    }
    this.notify();
  }

  /** The container exited: output that ended without a newline becomes a partial entry. */
  end(atUs: number): void {
    if (this.ended) return;
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.pending[stream] !== "")
        this.append({ timeUs: atUs, stream, partial: true, content: this.pending[stream] });
      this.pending[stream] = "";
    }
    this.ended = true;
    this.notify();
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Output not yet ended by a newline, per stream (persisted with the container). */
  pendingOutput(): Record<LogStream, string> {
    return { ...this.pending };
  }

  /** Seq of the last entry (0 when empty). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Entries with seq >= `fromSeq` (those still kept), at most `max`. */
  from(fromSeq: number, max = Infinity): LogRecord[] {
    const first = this.entries[0];
    if (first === undefined) return [];
    const start = Math.max(0, fromSeq - first.seq);
    return this.entries.slice(start, start + max);
  }

  /**
   * Seq of the first entry a reader starts with: entries at or after `sinceUs`, of which
   * only the last `tailLines`. Past the last entry when none match (a follower then gets
   * only new entries).
   */
  startSeq(options: { readonly tailLines?: number; readonly sinceUs?: number }): number {
    let candidates = this.entries;
    if (options.sinceUs !== undefined) {
      const since = options.sinceUs;
      candidates = candidates.filter((e) => e.timeUs >= since);
    }
    if (options.tailLines !== undefined && options.tailLines >= 0)
      candidates = options.tailLines === 0 ? [] : candidates.slice(-options.tailLines);
    return candidates[0]?.seq ?? this.nextSeq;
  }

  /** Calls `listener` after every change (new entries, end); returns the unsubscriber. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the log for good (container removed): followers finish. */
  close(): void {
    this.ended = true;
    this.notify();
  }

  private appendLine(stream: LogStream, line: string, atUs: number): void {
    let rest = line;
    while (Buffer.byteLength(rest) > MAX_LINE_BYTES) {
      const head = cutBytes(rest, MAX_LINE_BYTES);
      rest = rest.slice(head.length);
      this.append({ timeUs: atUs, stream, partial: true, content: head });
    }
    this.append({ timeUs: atUs, stream, partial: false, content: rest });
  }

  /** Appends with a time after the previous entry's, so entries are strictly ordered. */
  private append(line: LogLine): void {
    this.push({ ...line, timeUs: Math.max(line.timeUs, this.lastTimeUs + 1) });
  }

  private push(line: LogLine): void {
    this.entries.push({ ...line, seq: this.nextSeq++ });
    this.lastTimeUs = Math.max(this.lastTimeUs, line.timeUs);
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes. */
function cutBytes(text: string, maxBytes: number): string {
  const head = Buffer.from(text).subarray(0, maxBytes).toString();
  // A multi-byte character cut in half decodes to U+FFFD: leave it for the next part.
  return head.endsWith("\uFFFD") && !text.startsWith(head) ? head.slice(0, -1) : head;
}
