// One informer per kind and selection per process: every part of a component that asks
// for "Pods in every namespace" gets the same informer, so the process lists and watches
// once and holds one cache.
import type { ApiClient, KindName } from "../client/api-client.js";
import type { KindObjects } from "../kinds/message-fns.js";
import { lookupKind } from "../kinds/kinds.js";
import { stderrLogger, type Logger } from "../logging/logger.js";
import { SharedInformer, type SharedInformerOptions } from "./shared-informer.js";
import type { ApiObjectLike } from "./indexed-store.js";

export interface InformerSelection {
  /** Only this namespace ("" or absent: every namespace). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Options every informer of the factory shares (selections are per informer). */
export type InformerDefaults = Omit<
  SharedInformerOptions,
  "namespace" | "labelSelector" | "fieldSelector"
>;

export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<ApiObjectLike>>();
  private readonly runs: Promise<void>[] = [];
  private signal: AbortSignal | undefined;
  private readonly log: Logger;

  constructor(
    private readonly client: ApiClient,
    private readonly defaults: InformerDefaults = {},
  ) {
    this.log = defaults.logger ?? stderrLogger("informer");
  }

  /**
   * The informer of `kind` for `selection`, created on first use. Created after start(),
   * it starts at once. `options` (e.g. resyncPeriodMs) apply only when it is created.
   */
  informer<K extends KindName>(
    kind: K,
    selection: InformerSelection = {},
    options: InformerDefaults = {},
  ): SharedInformer<KindObjects[K]> {
    const info = lookupKind(kind);
    if (info === undefined) throw new Error(`unknown kind ${kind}`);
    const namespace = info.namespaced ? (selection.namespace ?? "") : "";
    const key = JSON.stringify([
      info.kind,
      namespace,
      selection.labelSelector?.trim() ?? "",
      selection.fieldSelector?.trim() ?? "",
    ]);
    let informer = this.informers.get(key);
    if (informer === undefined) {
      const created: SharedInformer<KindObjects[K]> = new SharedInformer(this.client.kind(kind), {
        ...this.defaults,
        ...options,
        namespace,
        labelSelector: selection.labelSelector,
        fieldSelector: selection.fieldSelector,
      });
      informer = created as unknown as SharedInformer<ApiObjectLike>;
      this.informers.set(key, informer);
      if (this.signal !== undefined) this.run(informer, this.signal);
    }
    return informer as unknown as SharedInformer<KindObjects[K]>;
  }

  /** Starts every informer created so far, and those created later, until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.signal !== undefined) throw new Error("the informer factory was already started");
    this.signal = signal;
    for (const informer of this.informers.values()) this.run(informer, signal);
  }

  private run(informer: SharedInformer<ApiObjectLike>, signal: AbortSignal): void {
    // run()'s loops catch and retry; this catch is for the unforeseen, so that nothing
    // becomes an unhandled rejection.
    this.runs.push(
      informer.run(signal).catch((err: unknown) => {
        this.log.error({ err, kind: informer.kind }, "informer stopped unexpectedly");
      }),
    );
  }

  /**
   * Resolves true once every informer of the factory has synced; false if `signal` aborts
   * first. Informers are waited for even if start() has not been called yet.
   */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all(
      [...this.informers.values()].map((i) => i.waitForSync(signal)),
    );
    return results.every((r) => r);
  }

  /** Every informer of the factory. */
  all(): SharedInformer<ApiObjectLike>[] {
    return [...this.informers.values()];
  }

  /** Resolves when every started informer has stopped (after the start signal aborted). */
  async whenStopped(): Promise<void> {
    await Promise.all(this.runs);
  }
}
