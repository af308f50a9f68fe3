export * from "./event-recorder.js";
export * from "./lru-cache.js";
