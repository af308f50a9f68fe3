export {
  openRedisStore,
  deleteRedisStore,
  type RedisStoreOptions,
  type RedisEventOptions,
} from "./redis-store.js";
export type { StoreLogger } from "./store-logger.js";
export { redactUrl } from "./redact-url.js";
