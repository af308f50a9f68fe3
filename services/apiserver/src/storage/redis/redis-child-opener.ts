// Opens the Redis store for the conformance suite's child processes (crash test): see
// StoreHarness.childModule. The location is JSON naming the servers and the prefix.

import type { Store } from "../store.js";
import { openRedisStore } from "./redis-store.js";

export interface RedisLocation {
  readonly redisUrl: string;
  readonly natsUrl: string;
  readonly prefix: string;
}

export function parseRedisLocation(location: string): RedisLocation {
  const parsed = JSON.parse(location) as Partial<RedisLocation>;
  const { redisUrl, natsUrl, prefix } = parsed;
  if (typeof redisUrl !== "string" || typeof natsUrl !== "string" || typeof prefix !== "string") {
    throw new Error(`not a Redis store location: ${location}`);
  }
  return { redisUrl, natsUrl, prefix };
}

export function openStore(location: string): Promise<Store> {
  return openRedisStore(parseRedisLocation(location));
}
