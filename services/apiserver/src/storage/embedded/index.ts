export { openEmbeddedStore, EmbeddedStore, type EmbeddedStoreOptions } from "./embedded-store.js";
