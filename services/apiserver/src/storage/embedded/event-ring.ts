// The in-memory tail of the change history: the most recent events, shared by every
// watcher. A watcher is a cursor; it reads from here while its position is still in the
// ring and from the LMDB change log once it has fallen behind, so the ring bounds memory
// no matter how many watchers there are or how slow they are.

import type { WatchEvent } from "../store.js";

// Rough fixed cost of an event object and its strings, so many small events still count.
const EVENT_OVERHEAD_BYTES = 160;

export class EventRing {
  private readonly slots: (WatchEvent | undefined)[];
  private head = 0;
  private count = 0;
  private bytes = 0;
  private firstRevision: number;

  /** @param nextRevision the revision the first pushed event will have */
  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
    nextRevision: number,
  ) {
    this.slots = new Array<WatchEvent | undefined>(maxEvents);
    this.firstRevision = nextRevision;
  }

  /** The oldest revision held (or the next one to be pushed, when empty). */
  get first(): number {
    return this.firstRevision;
  }

  /** Appends the next event; evicts the oldest ones beyond the limits. */
  push(event: WatchEvent): void {
    if (event.revision !== this.firstRevision + this.count) {
      throw new Error(
        `event ring expected revision ${this.firstRevision + this.count}, got ${event.revision}`,
      );
    }
    if (this.count === this.maxEvents) this.evictOldest();
    this.slots[(this.head + this.count) % this.maxEvents] = event;
    this.count++;
    this.bytes += sizeOf(event);
    // Keep at least the newest event even if it alone exceeds the byte budget.
    while (this.bytes > this.maxBytes && this.count > 1) this.evictOldest();
  }

  /** The event at `revision`, if the ring still holds it. */
  at(revision: number): WatchEvent | undefined {
    const offset = revision - this.firstRevision;
    if (offset < 0 || offset >= this.count) return undefined;
    return this.slots[(this.head + offset) % this.maxEvents];
  }

  /** Drops every event at or below `revision` (compacted history). */
  dropThrough(revision: number): void {
    while (this.count > 0 && this.firstRevision <= revision) this.evictOldest();
    if (this.count === 0 && this.firstRevision <= revision) this.firstRevision = revision + 1;
  }

  private evictOldest(): void {
    const event = this.slots[this.head];
    if (event !== undefined) this.bytes -= sizeOf(event);
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.maxEvents;
    this.count--;
    this.firstRevision++;
  }
}

function sizeOf(event: WatchEvent): number {
  const prev =
    event.prevValue === undefined || event.prevValue === event.value ? 0 : event.prevValue.length;
  return EVENT_OVERHEAD_BYTES + event.key.length * 2 + event.value.length + prev;
}
