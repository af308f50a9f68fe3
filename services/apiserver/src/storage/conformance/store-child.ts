// Child process for the suite's multi-process tests:
//
//   node store-child.js <childModule> <location> write <writers>
//       opens the store, prints "READY <revision>", then runs <writers> sequential writers
//       until killed (each owns its keys), printing "ACK <revision> <key> <value>" after
//       each acknowledged write. The parent kills it with SIGKILL mid-stream; if the parent
//       goes away first, the end of stdin stops it.
//   node store-child.js <childModule> <location> open
//       tries to open the store and prints "OPENED" (then closes it) or
//       "REFUSED <code> <message>".
//
// Lines go to stdout, which is synchronous for pipes on Linux: a line the parent has read
// is a write that was acknowledged before the kill.

import { pathToFileURL } from "node:url";
import { StoreError } from "../errors.js";
import type { Store } from "../store.js";
import type { ChildStoreModule } from "./harness.js";

const [moduleSpec, location, mode, writersArg] = process.argv.slice(2);

async function main(): Promise<void> {
  if (moduleSpec === undefined || location === undefined)
    throw new Error("usage: store-child <module> <location> <mode>");
  const url = moduleSpec.startsWith("file:") ? moduleSpec : pathToFileURL(moduleSpec).href;
  const backend = (await import(url)) as ChildStoreModule;
  if (mode === "open") {
    let store: Store;
    try {
      store = await backend.openStore(location);
    } catch (error) {
      if (error instanceof StoreError) {
        process.stdout.write(`REFUSED ${error.code} ${error.message}\n`);
        return;
      }
      throw error;
    }
    process.stdout.write("OPENED\n");
    await store.close();
    return;
  }
  if (mode === "write") {
    // Node has no parent-death signal: stdin is a pipe from the parent, and its end
    // (the parent exited or died) ends this writer too.
    process.stdin.on("end", () => process.exit(0));
    process.stdin.resume();
    const store = await backend.openStore(location);
    process.stdout.write(`READY ${await store.currentRevision()}\n`);
    const writers = Number.parseInt(writersArg ?? "8", 10);
    await Promise.all(Array.from({ length: writers }, (_, w) => writeForever(store, w)));
    return;
  }
  throw new Error(`unknown mode ${String(mode)}`);
}

/** Updates its own keys in turn (creating the missing ones); never conflicts with others. */
async function writeForever(store: Store, writer: number): Promise<never> {
  const keys = Array.from({ length: 4 }, (_, i) => `crash/w${writer}/k${i}`);
  for (let n = 0; ; n++) {
    const key = keys[n % keys.length] ?? "";
    const value = `${key}#${process.pid}-${n}`;
    const bytes = Buffer.from(value);
    const current = await store.get(key);
    const written =
      current === undefined
        ? await store.create(key, bytes)
        : await store.update(key, bytes, current.modRevision);
    process.stdout.write(`ACK ${written.modRevision} ${key} ${value}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `store-child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
