// The texts behind `-f`: a file, every .yaml/.yml/.json file of a directory (sorted by
// name; with --recursive, of its subdirectories too), or standard input for `-`.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { CliError } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";

export interface ManifestSource {
  /** How messages name it: the path, or "STDIN". */
  readonly name: string;
  readonly text: string;
}

const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];

function isManifestFile(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

async function directoryFiles(dir: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...(await directoryFiles(path, true)));
    } else if (isManifestFile(entry.name)) files.push(path);
  }
  return files;
}

/** Reads every `-f` argument in order; throws CliError for a path that does not exist. */
export async function readSources(
  paths: readonly string[],
  io: CliIo,
  options: { recursive?: boolean } = {},
): Promise<ManifestSource[]> {
  if (paths.length === 0) throw new CliError("must specify -f (a file, a directory or -)");
  const sources: ManifestSource[] = [];
  let stdinRead = false;
  for (const path of paths) {
    if (path === "-") {
      if (stdinRead) throw new CliError("-f - may be given only once");
      stdinRead = true;
      sources.push({ name: "STDIN", text: await io.readStdin() });
      continue;
    }
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (e) {
      if (e instanceof Error && "code" in e && e.code === "ENOENT")
        throw new CliError(`the path "${path}" does not exist`);
      throw new CliError(`cannot read "${path}": ${e instanceof Error ? e.message : String(e)}`);
    }
    const files = isDirectory ? await directoryFiles(path, options.recursive ?? false) : [path];
    if (isDirectory && files.length === 0)
      throw new CliError(`no .yaml, .yml or .json files in directory "${path}"`);
    for (const file of files) sources.push({ name: file, text: await readFile(file, "utf8") });
  }
  return sources;
}
