// Prints vitest's JSON report as per-suite timings (slowest first) and one closing line
// "N passed, N failed, N skipped" that CI tooling reads. Exits non-zero when anything
// failed or when no test ran at all.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const file = process.argv[2] ?? ".tmp/vitest.json";
const report = JSON.parse(readFileSync(file, "utf8"));
const suites = report.testResults.map((s) => ({
  name: relative(process.cwd(), s.name),
  ms: (s.endTime ?? 0) - (s.startTime ?? 0),
  tests: s.assertionResults.length,
  status: s.status,
}));
suites.sort((a, b) => b.ms - a.ms);
console.log("\nper-suite timings:");
for (const s of suites) {
  console.log(
    `  ${(s.ms / 1000).toFixed(1).padStart(7)}s  ${String(s.tests).padStart(4)} tests  ${s.status === "passed" ? "ok  " : "FAIL"}  ${s.name}`,
  );
}
const passed = report.numPassedTests;
const failed = report.numFailedTests;
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || report.numFailedTestSuites > 0 || passed === 0) process.exit(1);
