// The contract of every controller in the controller-manager.
//
// A controller is level-triggered: it compares desired state (spec) with what its
// informers' caches show and acts until they match; it is idempotent, safe to restart at
// any moment, acts only after its informers have synced, and never depends on seeing every
// event. The manager creates each controller afresh at the start of every leadership
// term (so no state of an earlier term, such as expectations, survives), calls run(), and
// aborts run()'s signal when the term ends.
import type {
  ApiClient,
  Clock,
  ComponentLogger,
  EventRecorder,
  KindName,
  SharedInformerFactory,
} from "@k8ts/sdk";

/** Settings of the controllers (from the controller-manager's flags). */
export interface ControllerOptions {
  /** Workers per controller: keys reconciled concurrently (never one key twice at once). */
  readonly concurrentWorkers: number;
  /** A Node whose Lease has not changed for this long is Ready=Unknown and unreachable. */
  readonly nodeMonitorGracePeriodMs: number;
  /** How often node lifecycle checks the Leases. */
  readonly nodeMonitorPeriodMs: number;
  /** A node's Lease younger than this at the controller's start counts as fresh (startup grace). */
  readonly nodeStartupGracePeriodMs: number;
  /** tolerationSeconds for pods without a toleration of the unreachable/not-ready taints. */
  readonly defaultUnreachableTolerationSeconds: number;
  /** How often pod GC looks for orphaned and stuck pods. */
  readonly podGcPeriodMs: number;
}

export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  concurrentWorkers: 5,
  nodeMonitorGracePeriodMs: 40_000,
  nodeMonitorPeriodMs: 5_000,
  nodeStartupGracePeriodMs: 60_000,
  defaultUnreachableTolerationSeconds: 300,
  podGcPeriodMs: 20_000,
};

/** What a controller is built from. Informers are shared by every controller. */
export interface ControllerContext {
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  /** The controller's own logger (carries `controller: <name>`). */
  readonly logger: ComponentLogger;
  /** Records Events as this controller ("<name>-controller"). */
  readonly recorder: EventRecorder;
  readonly options: ControllerOptions;
  readonly clock: Clock;
}

export interface Controller {
  /**
   * Runs until `signal` aborts, then stops its workers and timers and removes its event
   * handlers before resolving. Called once per instance, when the informers have synced.
   */
  run(signal: AbortSignal): Promise<void>;
  /** Counters and gauges for /statusz (e.g. queue depth, reconciles). */
  status?(): Readonly<Record<string, number>>;
}

export interface ControllerDefinition {
  /** Its name in --controllers, logs and Events ("replicaset", "deployment"). */
  readonly name: string;
  /** Informer kinds it uses, started before it runs (so the sync gate covers them). */
  readonly kinds: readonly KindName[];
  readonly create: (context: ControllerContext) => Controller;
}
