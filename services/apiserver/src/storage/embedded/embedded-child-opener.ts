// Opens the embedded store for the conformance suite's child processes (crash and
// second-owner tests): see StoreHarness.childModule.

import type { Store } from "../store.js";
import { openEmbeddedStore } from "./embedded-store.js";

export function openStore(location: string): Promise<Store> {
  return openEmbeddedStore({ dataDir: location });
}
