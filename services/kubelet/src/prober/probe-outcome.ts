// What one probe attempt found, as Kubernetes' probe.Result: success, warning (success
// that deserves an event, e.g. a redirect to another host that was not followed) or
// failure, each with the output shown in events. An attempt that could not be carried out
// at all (no such named port, runtime unreachable) throws ProbeError instead: Kubernetes
// calls that "unknown" and the attempt counts neither way.

export type ProbeOutcome =
  | { readonly result: "success"; readonly output: string }
  | { readonly result: "warning"; readonly output: string }
  | { readonly result: "failure"; readonly output: string };

/** The probe could not be carried out; the attempt counts for nothing. */
export class ProbeError extends Error {
  override readonly name = "ProbeError";
}

/** Kubernetes keeps at most this much of a command's output or a response body. */
export const MAX_PROBE_OUTPUT_BYTES = 10 * 1024;

export const success = (output = ""): ProbeOutcome => ({ result: "success", output });
export const warning = (output: string): ProbeOutcome => ({ result: "warning", output });
export const failure = (output: string): ProbeOutcome => ({ result: "failure", output });

/** "1s", "2.5s": durations in messages, as Go prints them. */
export function formatSeconds(ms: number): string {
  return `${ms / 1000}s`;
}
