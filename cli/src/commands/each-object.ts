// Commands that act on several named objects one by one (rollout, set image): a failure
// is printed and the others still run, as kubectl does; the command then fails.
import { ApiStatusError, type KindInfo } from "@k8ts/sdk";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import type { Session } from "../session.js";

/** Runs `fn` for each name; an unreachable server ends the command at once. */
export async function eachObject(
  session: Session,
  kind: KindInfo,
  names: readonly string[],
  fn: (name: string) => Promise<void>,
): Promise<void> {
  let failed = false;
  for (const name of names) {
    try {
      await fn(name);
    } catch (e) {
      if (e instanceof ApiStatusError && !e.isUnavailable) {
        for (const line of session.failure(e, { subject: { kind, name } }).lines)
          session.io.stderr.write(`${line}\n`);
      } else if (e instanceof CliError) session.io.stderr.write(`error: ${e.message}\n`);
      else throw e;
      failed = true;
    }
  }
  if (failed) throw new ReportedFailure();
}
