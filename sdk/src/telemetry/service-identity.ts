// The service name and version of a process started with the register module, which runs
// before the component's own code can say who it is: the executable's name from the
// "bin" map of the package the main script belongs to (k8ts-apiserver, k8ts), else the
// package's name, else the script's name; the version is the package's.
import { readFileSync, realpathSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";

export interface ServiceIdentity {
  readonly serviceName: string;
  readonly serviceVersion?: string;
}

interface PackageJson {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly bin?: unknown;
}

function readPackage(dir: string): PackageJson | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, "package.json"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === "object" && parsed !== null ? parsed : undefined;
}

function binName(pkg: PackageJson, dir: string, script: string): string | undefined {
  if (typeof pkg.bin === "string") return typeof pkg.name === "string" ? pkg.name : undefined;
  if (typeof pkg.bin !== "object" || pkg.bin === null) return undefined;
  for (const [name, path] of Object.entries(pkg.bin as Record<string, unknown>))
    if (typeof path === "string" && resolve(dir, path) === script) return name;
  return undefined;
}

/** Identity of the process whose main script is `mainScript` (process.argv[1]). Best effort:
 * a file that cannot be read or parsed gives the script's name, never a failed start. */
export function serviceIdentity(mainScript: string | undefined): ServiceIdentity {
  if (mainScript === undefined || mainScript === "") return { serviceName: "node" };
  const fallback = { serviceName: basename(mainScript, extname(mainScript)) };
  try {
    return fromPackage(realpathSync(mainScript)) ?? fallback;
  } catch (e) {
    process.emitWarning(`service name from ${mainScript}: ${String(e)}`, "TelemetryWarning");
    return fallback;
  }
}

function fromPackage(script: string): ServiceIdentity | undefined {
  for (let dir = dirname(script); dirname(dir) !== dir; dir = dirname(dir)) {
    const pkg = readPackage(dir);
    if (pkg === undefined) continue;
    const name =
      binName(pkg, dir, script) ??
      (typeof pkg.name === "string" ? pkg.name : basename(script, extname(script)));
    return typeof pkg.version === "string"
      ? { serviceName: name, serviceVersion: pkg.version }
      : { serviceName: name };
  }
  return undefined;
}
