// Replacing a file so that a reader (or a restart after a crash) sees the old content or
// the new, never a torn mix: write a temporary file next to it, then rename it over.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  /** Mode of the file (default 0o666, less the umask), e.g. 0o600 when it holds secrets. */
  readonly mode?: number;
  /**
   * Flush the data to disk before the rename, so the new content also survives a power
   * cut (default false: plugins rewrite their state often, and fifty simulated nodes
   * syncing on one disk would be the slowest part of a scale run).
   */
  readonly durable?: boolean;
}

/**
 * Replaces `path` with `data`. The temporary file, `.NAME.PID-RANDOM.tmp` in the same
 * directory, is removed when writing or renaming fails.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`,
  );
  const file = await open(tmp, "wx", options.mode ?? 0o666);
  try {
    try {
      await file.writeFile(data);
      if (options.durable === true) await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
