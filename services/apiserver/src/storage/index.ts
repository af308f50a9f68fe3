export * from "./store.js";
export * from "./errors.js";
export { MAX_KEY_BYTES, MAX_VALUE_BYTES } from "./arguments.js";
export * from "./embedded/index.js";
export * from "./redis/index.js";
