// `rollout status`: reads the Deployment, then watches it (by name) and prints a line each
// time the state's wording changes, until the rollout is done, fails, the Deployment is
// deleted, the timeout passes or the user interrupts. A watch the server ends is resumed
// from the last version seen; a version too old for the server's history reads again.
import { ApiStatusError, labelSelectorMatcher } from "@k8ts/sdk";
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import { listAll } from "../kinds/list-all.js";
import type { Session } from "../session.js";
import { deploymentRolloutState, podWarning, withWarning } from "./rollout-status.js";

export interface StatusOptions {
  readonly name: string;
  readonly namespace: string;
  /** false: print the current state once. */
  readonly watch: boolean;
  /** 0: pin to no revision. */
  readonly revision: number;
  /** 0: no timeout. */
  readonly timeoutMs: number;
  /** The timeout as the user wrote it, for the message. */
  readonly timeoutText: string;
}

/** Waits `ms` or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function rolloutStatus(session: Session, options: StatusOptions): Promise<void> {
  const { io } = session;
  const client = session.api.kind("Deployment");
  const { name, namespace } = options;
  const stop = new AbortController();
  const interrupted = io.interrupted();
  const onInterrupt = (): void => stop.abort();
  interrupted.addEventListener("abort", onInterrupt, { once: true });
  let timedOut = false;
  const timer =
    options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          stop.abort();
        }, options.timeoutMs)
      : undefined;
  const signal = stop.signal;

  let last = "";
  /** Prints the state of `d` if its wording changed; true when the command is finished. */
  const show = async (d: Deployment): Promise<boolean> => {
    const state = deploymentRolloutState(d, options.revision);
    const message = state.done ? state.message : withWarning(state.message, await warning(d));
    if (message !== last) io.stdout.write(`${message}\n`);
    last = message;
    return state.done || !options.watch;
  };
  /** Why the rollout may be stuck, from its pods (best effort: a failed list says nothing). */
  const warning = async (d: Deployment): Promise<string | undefined> => {
    const selector = d.spec?.selector;
    if (selector === undefined) return undefined;
    try {
      const { items } = await listAll(session.api.kind("Pod"), {
        namespace,
        labelSelector: labelSelectorMatcher(selector).toString(),
        signal,
      });
      return podWarning(items);
    } catch (e) {
      if (e instanceof ApiStatusError) return undefined;
      throw e;
    }
  };

  try {
    let d = await client.get(name, { namespace, signal });
    if (await show(d)) return;
    let resourceVersion = d.metadata?.resourceVersion ?? "";
    const fieldSelector = `metadata.name=${name}`;
    while (!signal.aborted) {
      const started = Date.now();
      let events = 0;
      try {
        for await (const event of client.watch({
          namespace,
          fieldSelector,
          resourceVersion,
          allowWatchBookmarks: true,
          signal,
        })) {
          events++;
          resourceVersion = event.object.metadata?.resourceVersion || resourceVersion;
          if (event.type === "DELETED") throw new CliError("object has been deleted");
          if (event.type === "BOOKMARK") continue;
          if (await show(event.object)) return;
        }
      } catch (e) {
        if (!(e instanceof ApiStatusError) || !e.isGone) throw e;
        // The version fell out of the server's history: read the Deployment again.
        d = await client.get(name, { namespace, signal });
        resourceVersion = d.metadata?.resourceVersion ?? "";
        if (await show(d)) return;
        continue;
      }
      // The server ended the stream: watch again; never spin on a stream that ends at once.
      if (events === 0 && Date.now() - started < 1_000) await pause(1_000, signal);
    }
    throw stopped(timedOut, options);
  } catch (e) {
    if (signal.aborted && e instanceof ApiStatusError) throw stopped(timedOut, options);
    throw e;
  } finally {
    clearTimeout(timer);
    interrupted.removeEventListener("abort", onInterrupt);
  }
}

/** The failure of a watch that ended before the rollout did. */
function stopped(timedOut: boolean, options: StatusOptions): Error {
  if (!timedOut) return new ReportedFailure();
  return new CliError(
    `timed out after ${options.timeoutText} waiting for deployment "${options.name}" rollout to finish`,
  );
}
