// The report of a conformance run: what was tested, each check's result, a summary. It is
// what `-o json` prints, and what the text output is made from.
import type { CheckResult, SuiteResults } from "./runner.js";

export interface ConformanceTarget {
  /** Where the implementation was reached (the endpoint, or the socket of the plugin started). */
  readonly endpoint: string;
  /** The plugin command, when the suite started the plugin itself. */
  readonly plugin?: string;
  /** What the implementation says about itself (Version). */
  readonly name: string;
  readonly version: string;
  readonly contractVersion: string;
  readonly nodeName: string;
}

export interface ConformanceSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Checks not selected by --focus (not in results). */
  readonly notSelected: number;
  readonly interrupted: boolean;
}

export interface ConformanceReport {
  /** "runtime" (later "network"). */
  readonly suite: string;
  /** Unique to the run; the value of the run label on every object it created. */
  readonly runId: string;
  readonly target: ConformanceTarget;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly results: readonly CheckResult[];
  readonly summary: ConformanceSummary;
  /** Problems outside any one check (e.g. the first pull of the image failed). */
  readonly warnings: readonly string[];
}

export function summarize(run: SuiteResults): ConformanceSummary {
  const count = (status: CheckResult["status"]): number =>
    run.results.filter((r) => r.status === status).length;
  return {
    passed: count("PASS"),
    failed: count("FAIL"),
    skipped: count("SKIP"),
    notSelected: run.unfocused,
    interrupted: run.interrupted,
  };
}

/** The process exit code a report stands for: 0 only when nothing failed. */
export function exitCodeOf(report: ConformanceReport): number {
  if (report.summary.interrupted) return 130;
  return report.summary.failed === 0 ? 0 : 1;
}
