// The report for people: a header naming what is tested, one line per check as it
// finishes (with what was expected and seen under a FAIL), and a summary.
import type { ConformanceReport, ConformanceTarget } from "./report.js";
import { formatSeconds, type CheckResult } from "./runner.js";

const NAME_WIDTH = 40;

export function headerText(suite: string, runId: string, target: ConformanceTarget): string {
  const started = target.plugin === undefined ? "" : ` (started: ${target.plugin})`;
  return (
    `k8ts conformance ${suite}: ${target.name} ${target.version} (contract ${target.contractVersion}), ` +
    `node ${JSON.stringify(target.nodeName)} at ${target.endpoint}${started}; run ${runId}\n`
  );
}

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((line) => `${by}${line}`)
    .join("\n");
}

export function resultText(r: CheckResult): string {
  const name = r.name.padEnd(NAME_WIDTH);
  if (r.status === "SKIP") return `SKIP  ${name} ${r.skipReason ?? ""}\n`;
  let text = `${r.status}  ${name} ${formatSeconds(r.durationMs)}\n`;
  if (r.failure !== undefined) {
    text += `${indent(r.failure.message, "      ")}\n`;
    if (r.failure.expected !== undefined)
      text += `${indent(r.failure.expected, "        expected: ").trimEnd()}\n`;
    if (r.failure.seen !== undefined)
      text += `${indent(r.failure.seen, "        seen:     ").trimEnd()}\n`;
  }
  if (
    r.failure !== undefined &&
    r.cleanupFailures !== undefined &&
    !r.failure.message.startsWith("cleanup")
  )
    for (const c of r.cleanupFailures) text += `      cleanup failed: ${c}\n`;
  return text;
}

export function summaryText(report: ConformanceReport): string {
  const s = report.summary;
  const total = s.passed + s.failed + s.skipped;
  let text = "";
  for (const w of report.warnings) text += `warning: ${w}\n`;
  text += `\n${total} checks: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;
  if (s.notSelected > 0) text += ` (${s.notSelected} not selected by --focus)`;
  text += ` in ${formatSeconds(report.durationMs)}`;
  if (s.interrupted) text += "; interrupted";
  text += "\n";
  if (s.failed > 0)
    text += `FAILED: ${report.results
      .filter((r) => r.status === "FAIL")
      .map((r) => r.name)
      .join(", ")}\n`;
  return text;
}
