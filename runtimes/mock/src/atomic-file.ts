// Replacing a file so that a reader (or a restart after the process crashed) sees the old
// content or the new, never a torn mix: write a temporary file next to it, then rename.
// No fsync: a simulated runtime's state need not survive a power cut, and fifty plugin
// instances syncing on one disk would be the slowest part of a scale run.
import { open, rename, rm } from "node:fs/promises";

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const file = await open(tmp, "w");
  try {
    await file.writeFile(data);
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
