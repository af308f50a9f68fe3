// The little of a logger the Redis backend needs (pino's signature), so that it can
// report what it recovers from (a lost NATS message, a Redis outage) without depending on
// a logging library. The default discards.

export interface StoreLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const SILENT_LOGGER: StoreLogger = {
  info: () => undefined,
  warn: () => undefined,
};
