export * from "./clock.js";
export * from "./fake-clock.js";
export * from "./token-bucket.js";
export * from "./backoff.js";
export * from "./wait-for.js";
