// Paginated lists that stay consistent: every page of a list reflects the revision of its
// first page. The first page keeps a snapshot of the matching objects (an array of
// references to immutable cached objects, so it costs one pointer per object); the
// continue token names the snapshot and the offset. Snapshots expire (the token then
// answers OUT_OF_RANGE: list again) and are bounded in number.
import { randomBytes } from "node:crypto";
import type { ListMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { CachedObject, WatchFilter } from "../watch-cache/watch-cache.js";
import { GoneError, InvalidError } from "./api-errors.js";

interface Snapshot {
  readonly items: readonly CachedObject[];
  readonly revision: number;
  readonly filterKey: string;
  readonly expiresAt: number;
}

export interface ListPage {
  readonly items: readonly CachedObject[];
  readonly meta: ListMeta;
}

export interface ListPagerOptions {
  /** How long a continue token stays valid (default 5 minutes). */
  readonly ttlMs?: number;
  /** How many snapshots are kept at most; the oldest go first (default 1,000). */
  readonly maxSnapshots?: number;
}

function filterKey(f: WatchFilter): string {
  return `${f.kind.plural}|${f.namespace}|${f.labels.toString()}|${f.fields?.toString() ?? ""}`;
}

export class ListPager {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly ttlMs: number;
  private readonly maxSnapshots: number;

  constructor(options: ListPagerOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.maxSnapshots = options.maxSnapshots ?? 1000;
  }

  first(
    items: readonly CachedObject[],
    revision: number,
    limit: number,
    filter: WatchFilter,
  ): ListPage {
    if (limit <= 0 || items.length <= limit) return { items, meta: meta(revision, "", undefined) };
    this.expire();
    const id = randomBytes(12).toString("base64url");
    this.snapshots.set(id, {
      items,
      revision,
      filterKey: filterKey(filter),
      expiresAt: Date.now() + this.ttlMs,
    });
    while (this.snapshots.size > this.maxSnapshots) {
      const oldest = this.snapshots.keys().next();
      if (oldest.done === true) break;
      this.snapshots.delete(oldest.value);
    }
    return this.page(id, items, revision, 0, limit);
  }

  next(token: string, limit: number, filter: WatchFilter): ListPage {
    const [id = "", offsetText = ""] = token.split(".");
    const offset = Number(offsetText);
    if (id === "" || !Number.isSafeInteger(offset) || offset < 0)
      throw new InvalidError("request", [
        { field: "continue", description: "Invalid value: not a continue token from this server" },
      ]);
    const snap = this.snapshots.get(id);
    if (snap === undefined || snap.expiresAt < Date.now()) {
      this.snapshots.delete(id);
      throw new GoneError(
        "the provided continue parameter is too old to display a consistent list result; list again from the start",
      );
    }
    if (snap.filterKey !== filterKey(filter))
      throw new InvalidError("request", [
        {
          field: "continue",
          description: "Invalid value: the continue token was issued for other selectors",
        },
      ]);
    return this.page(id, snap.items, snap.revision, offset, limit <= 0 ? snap.items.length : limit);
  }

  private page(
    id: string,
    items: readonly CachedObject[],
    revision: number,
    offset: number,
    limit: number,
  ): ListPage {
    const end = Math.min(items.length, offset + limit);
    const more = end < items.length;
    if (!more) this.snapshots.delete(id);
    return {
      items: items.slice(offset, end),
      meta: meta(revision, more ? `${id}.${end}` : "", more ? items.length - end : undefined),
    };
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, s] of this.snapshots) if (s.expiresAt < now) this.snapshots.delete(id);
  }
}

function meta(revision: number, continueToken: string, remaining: number | undefined): ListMeta {
  return {
    resourceVersion: String(revision),
    continue: continueToken,
    remainingItemCount: remaining,
  };
}
