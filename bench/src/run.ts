// `make bench [AREA=x]`: runs every benchmark area, or the ones named, one after another,
// each as its own process (so that one area's servers, heap and open files cannot disturb
// the next). An area is a folder `bench/src/<area>/` with a `<area>-bench.ts` script that
// prints a human table and writes JSON to bench/out/<area>.json; it runs with its defaults.
//
//   node bench/dist/run.js [AREA...] [-- ARGS for the area scripts]
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const DIST = dirname(fileURLToPath(import.meta.url));
/** An area that runs longer than this is stopped (each script also bounds itself). */
const AREA_TIMEOUT_MS = 15 * 60_000;

function scriptOf(area: string): string {
  return join(DIST, area, `${area}-bench.js`);
}

function knownAreas(): string[] {
  return readdirSync(DIST, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(scriptOf(d.name)))
    .map((d) => d.name)
    .sort();
}

let running: ChildProcess | undefined;

/** Runs one area's script with the terminal as its output; resolves with its exit code. */
function runArea(area: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    // Not detached: Ctrl-C reaches the script too, and each script stops its own children.
    const child = spawn(process.execPath, [scriptOf(area), ...args], { stdio: "inherit" });
    running = child;
    const timer = setTimeout(() => {
      process.stderr.write(`bench: ${area} still running after ${AREA_TIMEOUT_MS / 1000} s\n`);
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }, AREA_TIMEOUT_MS);
    child.on("error", (e) => {
      process.stderr.write(`bench: cannot run ${area}: ${e.message}\n`);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `== ${area}: ${code === 0 ? "done" : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s\n\n`,
      );
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf("--");
  const names = (dash < 0 ? argv : argv.slice(0, dash)).filter((a) => a.trim() !== "");
  const passThrough = dash < 0 ? [] : argv.slice(dash + 1);
  const known = knownAreas();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown area ${unknown.join(", ")} (known: ${known.join(", ")})\n`,
    );
    return 2;
  }
  let interrupted = false;
  // Ctrl-C reaches the running area itself (same process group); SIGTERM is passed on.
  // Either way, no further area starts.
  process.on("SIGINT", () => {
    interrupted = true;
  });
  process.on("SIGTERM", () => {
    interrupted = true;
    running?.kill("SIGTERM");
  });
  const failed: string[] = [];
  for (const area of names.length > 0 ? names : known) {
    if (interrupted) break;
    process.stdout.write(`== ${area} (node ${relative(process.cwd(), scriptOf(area))})\n`);
    if ((await runArea(area, passThrough)) !== 0) failed.push(area);
  }
  if (interrupted) return 130;
  if (failed.length > 0) process.stderr.write(`bench: failed: ${failed.join(", ")}\n`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
