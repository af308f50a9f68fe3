// List-then-watch for one kind, as client-go's Reflector: a paginated list (every page at
// the first page's revision), then a watch from the list's resourceVersion with bookmarks.
// When a stream ends (the server closes watches after a few minutes) or fails, it watches
// again from the last version it saw, after a jittered, capped back-off for failures;
// only OUT_OF_RANGE (that version has left the server's history) makes it list again.
import { ApiStatusError } from "../client/api-status-error.js";
import type { KindClient, WatchEventType } from "../client/api-client.js";
import type { Logger } from "../logging/logger.js";
import { Backoff, type BackoffOptions } from "../timing/backoff.js";
import type { Clock } from "../timing/clock.js";
import type { ApiObjectLike } from "./indexed-store.js";

/** Where the reflector puts what it lists and watches. */
export interface ReflectorSink<T> {
  /** A complete list at `resourceVersion` replaces the cache. */
  replace(items: readonly T[], resourceVersion: string): void;
  /** One change from the watch. */
  apply(type: Exclude<WatchEventType, "BOOKMARK">, object: T): void;
}

export interface ReflectorOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Objects per list page (default 500). */
  readonly pageSize?: number;
  /** Back-off between failed lists and watches (default 250 ms doubling to 30 s, jittered). */
  readonly backoff?: BackoffOptions;
  /** A watch stream that ends normally sooner than this without any event counts as a failure. */
  readonly minWatchMs?: number;
}

/** Counters tests and metrics read. */
export interface ReflectorMetrics {
  /** Complete lists done (the first one included). */
  lists: number;
  /** List pages received. */
  listPages: number;
  /** Lists forced by OUT_OF_RANGE. */
  relists: number;
  /** Watch streams opened. */
  watches: number;
  /** Watch events received (bookmarks included). */
  watchEvents: number;
  /** Lists and watches that failed (OUT_OF_RANGE included). */
  failures: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, jitter: 0.5 };

export function newReflectorMetrics(): ReflectorMetrics {
  return { lists: 0, listPages: 0, relists: 0, watches: 0, watchEvents: 0, failures: 0 };
}

export class Reflector<T extends ApiObjectLike> {
  private version = "";

  constructor(
    private readonly client: KindClient<T>,
    private readonly sink: ReflectorSink<T>,
    private readonly options: ReflectorOptions,
    private readonly log: Logger,
    private readonly clock: Clock,
    readonly metrics: ReflectorMetrics = newReflectorMetrics(),
  ) {}

  /** The resourceVersion of the last list, event or bookmark applied ("" before the first). */
  get lastSyncResourceVersion(): string {
    return this.version;
  }

  /** Lists and watches until `signal` aborts; never throws. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.options.backoff ?? DEFAULT_BACKOFF, this.clock);
    const kind = this.client.info.kind;
    let needList = true;
    let relisting = false;
    /** No event since the last list: an OUT_OF_RANGE now would make list, watch, gone spin. */
    let justListed = false;
    while (!signal.aborted) {
      if (needList) {
        try {
          this.version = await this.list(signal);
          this.metrics.lists++;
          if (relisting) this.metrics.relists++;
          needList = false;
          relisting = false;
          justListed = true;
        } catch (err) {
          if (signal.aborted) return;
          this.metrics.failures++;
          this.log.warn({ err, kind }, "list failed; retrying with back-off");
          await backoff.wait(signal);
          continue;
        }
      }
      const started = this.clock.now();
      let events = 0;
      try {
        this.metrics.watches++;
        const stream = this.client.watch({
          namespace: this.options.namespace,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          resourceVersion: this.version,
          allowWatchBookmarks: true,
          signal,
        });
        for await (const event of stream) {
          events++;
          this.metrics.watchEvents++;
          // A healthy stream: the next failure starts its back-off from the beginning.
          if (events === 1) {
            backoff.reset();
            justListed = false;
          }
          const rv = event.object.metadata?.resourceVersion ?? "";
          if (event.type !== "BOOKMARK") this.sink.apply(event.type, event.object);
          if (rv !== "") this.version = rv;
        }
        if (signal.aborted) return;
        // The server ended the stream (its watch timeout): watch again from our version,
        // unless it keeps ending at once, which would spin.
        if (events === 0 && this.clock.now() - started < (this.options.minWatchMs ?? 1000)) {
          this.log.debug({ kind }, "watch ended at once; backing off");
          await backoff.wait(signal);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.metrics.failures++;
        if (err instanceof ApiStatusError && err.isGone) {
          this.log.info(
            { kind, resourceVersion: this.version },
            "watch version no longer retained (OUT_OF_RANGE); listing again",
          );
          needList = true;
          relisting = true;
          // Relist at once, but back off if list, watch, gone repeats without progress.
          if (justListed) await backoff.wait(signal);
          continue;
        }
        this.log.warn(
          { err, kind, resourceVersion: this.version },
          "watch failed; watching again from the last version after back-off",
        );
        await backoff.wait(signal);
      }
    }
  }

  /** Every page of one list at one revision; a page expiring mid-way restarts the list. */
  private async list(signal: AbortSignal): Promise<string> {
    const limit = this.options.pageSize ?? 500;
    for (;;) {
      const items: T[] = [];
      let token = "";
      let version = "";
      try {
        do {
          const page = await this.client.list({
            namespace: this.options.namespace,
            labelSelector: this.options.labelSelector,
            fieldSelector: this.options.fieldSelector,
            limit,
            continue: token,
            signal,
          });
          this.metrics.listPages++;
          for (const item of page.items) items.push(item);
          token = page.metadata.continue;
          if (version === "") version = page.metadata.resourceVersion;
        } while (token !== "");
      } catch (err) {
        if (token !== "" && err instanceof ApiStatusError && err.isGone && !signal.aborted) {
          this.log.info({ kind: this.client.info.kind }, "list page expired; listing again");
          continue;
        }
        throw err;
      }
      this.sink.replace(items, version);
      return version;
    }
  }
}
