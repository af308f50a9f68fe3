export * from "./indexed-store.js";
export * from "./lister.js";
export * from "./handler-queue.js";
export * from "./reflector.js";
export * from "./shared-informer.js";
export * from "./shared-informer-factory.js";
