// Runs the enabled controllers: their informers from the start (in every process, so a
// standby is warm), the controllers themselves only while leading. Each leadership term
// gets fresh controller instances (no expectations or timers of an earlier term survive)
// and its own event recorders.
import { setMaxListeners } from "node:events";
import {
  EventRecorder,
  type ApiClient,
  type Clock,
  type ComponentLogger,
  type SharedInformer,
  type SharedInformerFactory,
  type ApiObjectLike,
} from "@k8ts/sdk";
import type { Controller, ControllerDefinition, ControllerOptions } from "./controller.js";

export interface ControllerManagerOptions {
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  readonly logger: ComponentLogger;
  readonly definitions: readonly ControllerDefinition[];
  readonly options: ControllerOptions;
  readonly clock: Clock;
  /** Reported as the Events' reportingInstance. */
  readonly identity: string;
}

export class ControllerManager {
  private readonly informers: SharedInformer<ApiObjectLike>[];
  private running = new Map<string, Controller>();
  private terms = 0;

  constructor(private readonly o: ControllerManagerOptions) {
    const kinds = new Set(o.definitions.flatMap((d) => d.kinds));
    this.informers = [...kinds].map(
      (k) => o.informers.informer(k) as unknown as SharedInformer<ApiObjectLike>,
    );
  }

  get names(): string[] {
    return this.o.definitions.map((d) => d.name);
  }

  synced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const results = await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Runs every controller until `signal` aborts (one leadership term). */
  async run(signal: AbortSignal): Promise<void> {
    // Every worker of every controller waits on this term's signal: many listeners by
    // design, not a leak (Node warns above 10).
    setMaxListeners(
      this.o.definitions.length * (this.o.options.concurrentWorkers + 10) + 10,
      signal,
    );
    if (!(await this.waitForSync(signal))) return;
    this.terms++;
    const recorders: EventRecorder[] = [];
    const runs = this.o.definitions.map(async (d) => {
      const logger = this.o.logger.child({ controller: d.name });
      const recorder = new EventRecorder({
        client: this.o.client,
        component: `${d.name}-controller`,
        reportingInstance: this.o.identity,
        logger,
        clock: this.o.clock,
      });
      recorders.push(recorder);
      try {
        const controller = d.create({
          client: this.o.client,
          informers: this.o.informers,
          logger,
          recorder,
          options: this.o.options,
          clock: this.o.clock,
        });
        this.running.set(d.name, controller);
        logger.info("controller started");
        await controller.run(signal);
      } catch (err) {
        // A controller that fails ends only itself; the others keep running. The next
        // leadership term starts it again.
        logger.error({ err }, "controller failed");
      } finally {
        this.running.delete(d.name);
        logger.info("controller stopped");
      }
    });
    await Promise.all(runs);
    await Promise.all(recorders.map((r) => r.shutdown()));
  }

  /** Per running controller, its counters (queue depth, reconciles, ...). */
  status(): { terms: number; controllers: Record<string, Readonly<Record<string, number>>> } {
    const controllers: Record<string, Readonly<Record<string, number>>> = {};
    for (const [name, c] of this.running) controllers[name] = c.status?.() ?? {};
    return { terms: this.terms, controllers };
  }
}
