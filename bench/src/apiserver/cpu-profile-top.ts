// Reads a V8 CPU profile (`node --cpu-prof`) and answers "where did the time go": self
// time by function, inclusive time by function (time with the function on the stack,
// counted once per sample however deep it recurses), and self time by area (our
// packages, grpc-js, generated protobuf code, Node internals, GC, idle).
//
//   node bench/dist/apiserver/cpu-profile-top.js FILE.cpuprofile [--top N]
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly function: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Total minus idle: time the main thread was busy. */
  readonly busyMs: number;
  readonly self: readonly ProfileEntry[];
  readonly inclusive: readonly ProfileEntry[];
  readonly areas: readonly ProfileEntry[];
}

/** `name (file:line)` with the path shortened to the package and file. */
function label(frame: CallFrame): string {
  const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
  if (frame.url === "") return name;
  const path = frame.url.replace(/^file:\/\//, "");
  const short = path.includes("/node_modules/")
    ? path.slice(path.lastIndexOf("/node_modules/") + "/node_modules/".length)
    : path.replace(/^.*?\/(sdk|services\/apiserver|bench|cli)\//, "$1/");
  return `${name} (${short}:${frame.lineNumber + 1})`;
}

function area(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") {
    if (frame.functionName === "(idle)") return "idle";
    if (frame.functionName === "(garbage collector)") return "garbage collector";
    if (frame.functionName === "(program)") return "(program): V8/native outside JS";
    return `native: ${frame.functionName}`;
  }
  if (url.startsWith("node:")) return "Node internals (node:*)";
  if (url.includes("/node_modules/@grpc/grpc-js/")) return "grpc-js";
  if (url.includes("/node_modules/@bufbuild/protobuf/")) return "@bufbuild/protobuf (wire)";
  if (url.includes("/node_modules/lmdb/") || url.includes("/node_modules/msgpackr"))
    return "lmdb-js";
  if (url.includes("/node_modules/pino")) return "pino";
  if (url.includes("/node_modules/yaml/")) return "yaml";
  if (url.includes("/node_modules/")) return "other node_modules";
  if (url.includes("/sdk/dist/gen/")) return "sdk: generated protobuf code";
  if (url.includes("/sdk/dist/codec/")) return "sdk: manifest codec";
  const m = /\/(sdk|services\/apiserver)\/dist\/([^/]+)\//.exec(url);
  if (m !== null) return `${m[1] === "sdk" ? "sdk" : "apiserver"}: ${m[2]}`;
  return "other";
}

function top(map: Map<string, number>, total: number, n: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({ function: fn, ms: us / 1000, percent: (100 * us) / total }));
}

export async function summarizeCpuProfile(file: string, n = 20): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  // Self time per node: each sample's delta belongs to the node sampled.
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    total += us;
    if (node.callFrame.functionName === "(idle)") idle += us;
    const own = label(node.callFrame);
    self.set(own, (self.get(own) ?? 0) + us);
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame !== undefined && frame.functionName !== "(root)") onStack.add(label(frame));
    }
    for (const fn of onStack) inclusive.set(fn, (inclusive.get(fn) ?? 0) + us);
  }
  return {
    file,
    totalMs: total / 1000,
    busyMs: (total - idle) / 1000,
    self: top(self, total, n),
    inclusive: top(inclusive, total, n * 2),
    areas: top(areas, total, n),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const line = (e: ProfileEntry): string =>
    `  ${e.percent.toFixed(1).padStart(5)}%  ${e.ms.toFixed(0).padStart(7)} ms  ${e.function}`;
  return [
    `CPU profile ${s.file}: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy ` +
      `(${((100 * s.busyMs) / Math.max(1, s.totalMs)).toFixed(1)}%)`,
    "self time by area:",
    ...s.areas.map(line),
    "self time by function:",
    ...s.self.map(line),
    "inclusive time by function (on the stack):",
    ...s.inclusive.map(line),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "20" } },
  });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write("usage: cpu-profile-top FILE.cpuprofile [--top N]\n");
    process.exitCode = 2;
  } else {
    summarizeCpuProfile(file, Number(values.top)).then(
      (s) => process.stdout.write(`${formatSummary(s)}\n`),
      (error: unknown) => {
        process.stderr.write(`cpu-profile-top: ${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
