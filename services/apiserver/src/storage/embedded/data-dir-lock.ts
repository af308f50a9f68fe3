// One process owns a data dir. The kernel lock (an OFD lock on <dataDir>/LOCK) keeps other
// processes out and disappears with its holder, so a crash never leaves a stale lock; the
// in-process registry gives a clear error when the same process opens the dir twice
// (without it, the second open would only see "locked by another process").

import { mkdir, open, realpath, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { tryLock, unlock } from "fs-native-extensions";
import { DataDirLockedError } from "../errors.js";

const openInThisProcess = new Set<string>();

export interface DataDirLock {
  /** The canonical (real) path of the data dir. */
  readonly dataDir: string;
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const canonical = await realpath(dataDir);
  if (openInThisProcess.has(canonical)) {
    throw new DataDirLockedError(canonical, "this-process", process.pid);
  }
  // Claimed before the first await below, so two concurrent opens cannot both pass.
  openInThisProcess.add(canonical);
  let file: FileHandle | undefined;
  try {
    file = await open(join(canonical, "LOCK"), "a+");
    if (!tryLock(file.fd)) {
      const holder = Number.parseInt((await file.readFile("utf8")).trim(), 10);
      throw new DataDirLockedError(
        canonical,
        "another-process",
        Number.isSafeInteger(holder) ? holder : undefined,
      );
    }
    // The pid is for the error message of the next opener only; the lock is what counts.
    await file.truncate(0);
    await file.write(`${process.pid}\n`);
  } catch (error) {
    await file?.close();
    openInThisProcess.delete(canonical);
    throw error;
  }
  const held = file;
  let released: Promise<void> | undefined;
  return {
    dataDir: canonical,
    release(): Promise<void> {
      released ??= (async () => {
        try {
          unlock(held.fd);
        } finally {
          await held.close();
          openInThisProcess.delete(canonical);
        }
      })();
      return released;
    },
  };
}
