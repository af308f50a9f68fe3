// What a backend supplies to run the Store conformance suite.

import type { CommonStoreOptions, Store } from "../store.js";

/**
 * Capabilities the suite checks. Every one is required; a backend that truly lacks one
 * lists it in `StoreHarness.unsupported` with the reason, and the suite reports those
 * tests as skipped under that reason instead of silently passing them.
 */
export type StoreCapability =
  /** One owner: a second opener (another process, or this one) gets DataDirLockedError. */
  | "exclusiveOwnership"
  /** kill -9 of a writer loses no acknowledged write and leaves revisions dense. */
  | "crashRecovery"
  /** The afterFlush hook runs before any acknowledgement or event. */
  | "flushHook";

/** The options the suite passes to open(); every backend must honour them. */
export type ConformanceOpenOptions = CommonStoreOptions;

export interface StoreHarness {
  /** Names the backend in test output. */
  readonly name: string;
  /**
   * A fresh, empty place for a store (a data dir, a key prefix on a server...), as a
   * string so that it can be handed to a child process.
   */
  newLocation(): Promise<string>;
  /** Deletes everything at a location; its store is closed by then. */
  removeLocation(location: string): Promise<void>;
  /** Opens the store at a location. Called again after close() to reopen it. */
  open(location: string, options?: ConformanceOpenOptions): Promise<Store>;
  /**
   * A module the suite's child processes import to open the store (crash and second-owner
   * tests). It must export `openStore(location: string): Promise<Store>` opening with
   * default options. A file URL or an absolute path to compiled JavaScript.
   */
  readonly childModule: URL | string;
  /** Capabilities this backend lacks, each with the reason (see StoreCapability). */
  readonly unsupported?: Partial<Record<StoreCapability, string>>;
}

/** The interface `childModule` implements. */
export interface ChildStoreModule {
  openStore(location: string): Promise<Store>;
}
