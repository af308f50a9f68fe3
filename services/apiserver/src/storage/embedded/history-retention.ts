// Which revisions the change log must keep. History is kept for a time window, and never
// less than the latest `minRevisions` revisions. Commit times are recorded as sparse time
// markers (revision, time), persisted with the batch that reaches them, so the window
// survives restarts without a timestamp in every log entry.

import type { TimeMarker } from "./lmdb-layout.js";

export class HistoryRetention {
  private readonly markers: TimeMarker[];
  /**
   * Markers are at least this far apart: min(window / 64, 1 s). Compaction trails the
   * window by at most this much, and a 5-minute window holds about 300 markers.
   */
  private readonly markerIntervalMs: number;

  constructor(
    markers: readonly TimeMarker[],
    private readonly windowMs: number,
    private readonly minRevisions: number,
  ) {
    this.markers = [...markers];
    this.markerIntervalMs = Math.min(1000, Math.max(1, Math.floor(windowMs / 64)));
  }

  /**
   * The marker to persist with a batch that ends at `revision`, if one is due. The time
   * never goes backwards, so a clock stepped back cannot reorder markers.
   */
  markerFor(revision: number, now: number): TimeMarker | undefined {
    const last = this.markers.at(-1);
    if (last !== undefined && now - last.time < this.markerIntervalMs) return undefined;
    return { revision, time: Math.max(now, last?.time ?? now) };
  }

  /** Records a marker once its batch is durable. */
  add(marker: TimeMarker): void {
    this.markers.push(marker);
  }

  /**
   * The highest revision that may be compacted at `now`: every revision up to it was
   * committed more than the window ago, and at least `minRevisions` newer ones remain.
   */
  compactionTarget(now: number, currentRevision: number): number {
    const cutoff = now - this.windowMs;
    let byTime = 0;
    for (const marker of this.markers) {
      if (marker.time > cutoff) break;
      byTime = marker.revision;
    }
    return Math.max(0, Math.min(byTime, currentRevision - this.minRevisions));
  }

  /** Revisions of the markers at or below `revision` (to delete with that compaction). */
  markersThrough(revision: number): number[] {
    const result: number[] = [];
    for (const marker of this.markers) {
      if (marker.revision > revision) break;
      result.push(marker.revision);
    }
    return result;
  }

  dropThrough(revision: number): void {
    let count = 0;
    while (count < this.markers.length && (this.markers[count]?.revision ?? Infinity) <= revision)
      count++;
    this.markers.splice(0, count);
  }
}
