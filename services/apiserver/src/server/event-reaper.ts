// Events expire: every minute, Events last seen longer than the TTL ago are deleted through
// ordinary deletes (so watchers see them go), as Kubernetes' event TTL does.
import { EVERYTHING, lookupKind } from "@k8ts/sdk";
import type { Event } from "@k8ts/sdk/gen/k8ts/api/v1/event.js";
import { DeleteOptions } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { Logger } from "pino";
import { NotFoundError, ConflictError } from "../registry/api-errors.js";
import type { Registry } from "../registry/registry.js";
import type { WatchCache } from "../watch-cache/watch-cache.js";

export class EventReaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly cache: WatchCache,
    private readonly ttlMs: number,
    private readonly log: Logger,
    private readonly intervalMs = Math.min(60_000, Math.max(1_000, ttlMs / 4)),
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.reap().then(
        (n) => {
          if (n > 0) this.log.info({ deleted: n }, "deleted expired events");
          this.running = undefined;
        },
        (err: unknown) => {
          this.log.warn({ err }, "event expiry failed");
          this.running = undefined;
        },
      );
    }, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Deletes every expired Event; returns how many. */
  async reap(): Promise<number> {
    const kind = lookupKind("Event");
    if (kind === undefined) return 0;
    const cutoff = Date.now() - this.ttlMs;
    let deleted = 0;
    for (const o of this.cache.list({
      kind,
      namespace: "",
      labels: EVERYTHING,
      fields: undefined,
    })) {
      const e = o.object as Event;
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      if (last === undefined || last.getTime() > cutoff) continue;
      try {
        await this.registry.delete(
          kind,
          e.metadata?.namespace ?? "",
          e.metadata?.name ?? "",
          DeleteOptions.fromPartial({
            gracePeriodSeconds: 0,
            preconditions: { uid: e.metadata?.uid ?? "" },
          }),
        );
        deleted++;
      } catch (err) {
        if (err instanceof NotFoundError || err instanceof ConflictError) continue;
        this.log.warn({ err }, "could not delete an expired event");
      }
    }
    return deleted;
  }
}
