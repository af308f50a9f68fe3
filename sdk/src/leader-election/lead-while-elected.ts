// The loop every leader-elected component runs: campaign for the Lease, do the work while
// holding it (the work's signal aborts the moment leadership ends), let the work finish,
// and stand again after losing it, until the component stops.
import { sleep } from "../timing/clock.js";
import { stderrLogger } from "../logging/logger.js";
import { LeaderElector, type LeaderElectionOptions } from "./leader-elector.js";

export interface LeadWhileElectedOptions extends Omit<LeaderElectionOptions, "callbacks"> {
  /** The leader-only work: runs until `leading` aborts (lost the Lease, or stopping). */
  readonly work: (leading: AbortSignal) => Promise<void>;
}

/** Resolves once `signal` aborted and the last round of work has finished. */
export async function leadWhileElected(
  options: LeadWhileElectedOptions,
  signal: AbortSignal,
): Promise<void> {
  const log = options.logger ?? stderrLogger("leader-election");
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  let work: Promise<void> | undefined;
  const elector = new LeaderElector({
    ...options,
    callbacks: {
      onStartedLeading: (leading) => {
        log.info({ identity: options.identity, lease: options.name }, "leading");
        work = options.work(leading);
        return work;
      },
      onStoppedLeading: () => log.info({ identity: options.identity }, "stopped leading"),
      onNewLeader: (leader) => log.info({ leader, lease: options.name }, "leader"),
    },
  });
  while (!signal.aborted) {
    await elector.run(signal);
    // run() returns once leading ended; the work stops on its signal: let it finish.
    await work?.catch(() => undefined);
    work = undefined;
    // Lost the Lease (not stopping): stand again after a pause.
    if (!signal.aborted) await sleep(retryPeriodMs, signal);
  }
}
