// How fast this disk syncs right now (1 KB write + fdatasync, for `ms`), measured as the
// store benchmark does: every create waits for a synced commit, and on this shared
// virtual disk the sync rate moves by several times within minutes.
import { closeSync, fdatasyncSync, openSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function diskSyncsPerSecond(ms: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-bench-disk-"));
  const fd = openSync(join(dir, "probe"), "w");
  const block = Buffer.alloc(1024, 1);
  const started = performance.now();
  let syncs = 0;
  try {
    while (performance.now() - started < ms) {
      writeSync(fd, block);
      fdatasyncSync(fd);
      syncs++;
    }
  } finally {
    closeSync(fd);
    await rm(dir, { recursive: true, force: true });
  }
  return (syncs * 1000) / (performance.now() - started);
}
