// Logging: the SDK's Logger interface and the pino logger of every component.
export * from "./logger.js";
export * from "./create-logger.js";
