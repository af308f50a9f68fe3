// The apiserver as every benchmark starts it: a child process on an embedded store in a
// work dir, anonymous access, warnings only in its log, tracing off (the benchmark
// measures the server, not an exporter).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BenchChild } from "./child-process.js";

const APISERVER_MAIN = fileURLToPath(import.meta.resolve("@k8ts/apiserver/main"));
// Preloaded as `k8ts up` and ApiServerProcess do; tracing stays off (OTEL_* removed).
const TELEMETRY = import.meta.resolve("@k8ts/sdk/telemetry/register");

/** This process's environment without OTEL_* variables. */
export function envWithoutTracing(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OTEL_")) env[k] = v;
  return env;
}

/** The first address a child reported in its ready line. */
export function addressOf(c: BenchChild): string {
  const addresses = c.readyInfo.addresses;
  const address = Array.isArray(addresses) ? (addresses[0] as unknown) : undefined;
  if (typeof address !== "string") throw new Error(`${c.name}: no address in its ready line`);
  return address;
}

export interface BenchApiserverOptions {
  /** Its data dir is `<workDir>/store`, its log `<logDir or workDir>/apiserver.log`. */
  readonly workDir: string;
  readonly logDir?: string;
  /** Flags for node itself (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
  /** Further apiserver flags. */
  readonly args?: readonly string[];
}

export async function startBenchApiserver(
  options: BenchApiserverOptions,
): Promise<{ child: BenchChild; address: string }> {
  const child = await BenchChild.start({
    name: "apiserver",
    script: APISERVER_MAIN,
    nodeFlags: [...(options.nodeFlags ?? []), "--import", TELEMETRY],
    args: [
      ...["--data-dir", join(options.workDir, "store"), "--listen", "127.0.0.1:0"],
      ...["--ready-fd", "3", "--allow-anonymous"],
      ...(options.args ?? []),
    ],
    logFile: join(options.logDir ?? options.workDir, "apiserver.log"),
    env: envWithoutTracing(),
  });
  return { child, address: addressOf(child) };
}
