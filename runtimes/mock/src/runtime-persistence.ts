// Where the mock runtime's state lives between runs, in --state-dir:
//   state.jsonl   a journal (the SDK's state-journal.ts): a header naming the node, then one line per
//                 change of a sandbox, container (with where its script is) or image: the
//                 record as it is now, or its removal; replaced by a snapshot now and then
//   logs/ID.log   each container's log in the common on-disk line format (the SDK's
//                 cri-log-format.ts), appended to, and rewritten when it has grown to
//                 twice the entries kept
// A save costs what changed, not the node's whole state: the runtime marks each record it
// changes, and a save appends the marked ones. Saves are coalesced: at most one in flight,
// the next after it with everything marked meanwhile. Lifecycle changes save at once; log
// lines and script progress within a second, so a chatty container does not append per
// line. A graceful stop saves everything; after a crash the last second of script progress
// may run again. A save takes its lines when it starts, so each container line matches the
// log entries written with it. A state.json (version 1: everything in one file, replaced on
// every save) is migrated at start.
import { appendFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "@k8ts/sdk/logging";
import {
  CoalescedTask,
  formatLogLine,
  parseLogLine,
  StateFileError,
  writeFileAtomic,
  type LogLine,
} from "@k8ts/sdk/plugin";
import { LOG_CAPACITY, type ContainerLog } from "./container-log.js";
import {
  parseJournalEntry,
  parseJournalHeader,
  parseLegacyStateDocument,
  type ContainerRecord,
  type ImageRecord,
  type JournalEntry,
  type JournalHeader,
  type SandboxRecord,
} from "./runtime-records.js";
import { StateJournal, type JournalContents } from "@k8ts/sdk/plugin";

/** A container as saves see it. */
export interface PersistedContainer {
  readonly record: ContainerRecord;
  readonly log: ContainerLog;
}

/** Where a save reads the records marked as changed (undefined: removed), or all of them. */
export interface PersistedRecords {
  sandbox(id: string): SandboxRecord | undefined;
  container(id: string): PersistedContainer | undefined;
  image(id: string): ImageRecord | undefined;
  all(): {
    readonly sandboxes: Iterable<SandboxRecord>;
    readonly containers: Iterable<PersistedContainer>;
    readonly images: Iterable<ImageRecord>;
  };
  /** How many sandboxes, containers and images there are. */
  count(): number;
}

export interface LoadedState {
  /** Whether the state dir held a previous run's state. */
  readonly adopted: boolean;
  /** Oldest first. */
  readonly sandboxes: readonly SandboxRecord[];
  /** Oldest first; each with its sandbox. */
  readonly containers: readonly ContainerRecord[];
  readonly images: readonly ImageRecord[];
  /** Log lines of each container, oldest first. */
  readonly logs: ReadonlyMap<string, readonly LogLine[]>;
}

/** Delay of saves that may wait (log lines, script progress). */
const SOON_MS = 1000;
/** Log files written at once during a save, or read during a start. */
const PARALLEL_FILES = 16;

interface LogFileState {
  /** Last entry seq written to the file. */
  persistedSeq: number;
  /** Lines in the file. */
  lines: number;
}

export class RuntimePersistence {
  private readonly task: CoalescedTask;
  private readonly logFiles = new Map<string, LogFileState>();
  private soonTimer: NodeJS.Timeout | undefined;
  private saveQueued = false;
  private records: PersistedRecords | undefined;
  private changedSandboxes = new Set<string>();
  private changedContainers = new Set<string>();
  private changedImages = new Set<string>();

  private constructor(
    private readonly stateDir: string,
    private readonly journal: StateJournal,
    private readonly log: Logger,
  ) {
    this.task = new CoalescedTask(
      () => this.save(),
      (err) => {
        this.log.error({ err }, "saving the runtime state failed; retrying");
        this.saveSoon();
      },
    );
  }

  /**
   * Reads the state dir (creating it), refusing one that belongs to another node name,
   * and replaces its journal by a snapshot. Throws StateFileError.
   */
  static async open(
    stateDir: string,
    nodeName: string,
    log: Logger,
  ): Promise<{ persistence: RuntimePersistence; loaded: LoadedState }> {
    await mkdir(join(stateDir, "logs"), { recursive: true });
    const path = join(stateDir, "state.jsonl");
    const legacyPath = join(stateDir, "state.json");
    const header: JournalHeader = { version: 2, nodeName };
    const { journal, contents } = await StateJournal.open(path, header, log);
    const p = new RuntimePersistence(stateDir, journal, log);
    const state =
      contents !== undefined
        ? replay(path, contents, nodeName)
        : await readLegacy(legacyPath, nodeName, log);
    const sandboxes = [...(state?.sandboxes.values() ?? [])].sort(byCreation);
    const containers: ContainerRecord[] = [];
    for (const c of state?.containers.values() ?? [])
      if (state?.sandboxes.has(c.sandboxId) === true) containers.push(c);
      else
        log.warn({ container: c.id, sandbox: c.sandboxId }, "removed a container without sandbox");
    containers.sort(byCreation);
    const images = [...(state?.images.values() ?? [])].sort((a, b) => a.pulledUs - b.pulledUs);
    // Drops removed records and a torn last line; then the migrated file can go.
    await journal.snapshot([
      ...sandboxes.map((sandbox) => ({ sandbox })),
      ...containers.map((container) => ({ container })),
      ...images.map((image) => ({ image })),
    ]);
    await rm(legacyPath, { force: true });
    const logs = await p.loadLogs(new Set(containers.map((c) => c.id)));
    return {
      persistence: p,
      loaded: { adopted: state !== undefined, sandboxes, containers, images, logs },
    };
  }

  /** Starts saving from `records`; call once, after adopting the loaded state. */
  attach(records: PersistedRecords): void {
    this.records = records;
  }

  /** The log of container `id` holds entries up to `seq`, which are all in its file. */
  adoptLog(id: string, seq: number): void {
    const file = this.logFiles.get(id);
    if (file !== undefined) file.persistedSeq = seq;
  }

  /** Sandbox `id` was added, changed or removed: the next save writes it. */
  sandboxChanged(id: string): void {
    this.changedSandboxes.add(id);
  }

  /** Container `id` (its record or its log) was added, changed or removed. */
  containerChanged(id: string): void {
    this.changedContainers.add(id);
  }

  /** Image `id` was added or removed. */
  imageChanged(id: string): void {
    this.changedImages.add(id);
  }

  /**
   * Saves as soon as possible (a lifecycle change): once the code running now is done, so
   * that the changes it makes next (a container started runs its script) go in one save.
   */
  saveNow(): void {
    if (this.saveQueued) return;
    this.saveQueued = true;
    queueMicrotask(() => {
      this.saveQueued = false;
      this.task.request();
    });
  }

  /** Saves as soon as possible and resolves once what was marked before is saved. */
  saveAndWait(): Promise<void> {
    return this.task.requestAndWait();
  }

  /** Saves within a second (log lines, script progress). */
  saveSoon(): void {
    this.soonTimer ??= setTimeout(() => {
      this.soonTimer = undefined;
      this.task.request();
    }, SOON_MS);
  }

  /** Saves everything and stops. */
  async close(): Promise<void> {
    clearTimeout(this.soonTimer);
    this.soonTimer = undefined;
    if (this.records !== undefined) await this.task.requestAndWait();
    await this.task.idle();
    await this.journal.close();
  }

  private logPath(id: string): string {
    return join(this.stateDir, "logs", `${id}.log`);
  }

  private async loadLogs(ids: ReadonlySet<string>): Promise<Map<string, LogLine[]>> {
    const logs = new Map<string, LogLine[]>();
    await eachInParallel(await readdir(join(this.stateDir, "logs")), async (name) => {
      const id = name.endsWith(".log") ? name.slice(0, -".log".length) : undefined;
      if (id === undefined || !ids.has(id)) {
        // Left by a container removed just before a crash, or a temporary file.
        await rm(join(this.stateDir, "logs", name), { force: true });
        return;
      }
      const lines = (await readFile(this.logPath(id), "utf8")).split("\n");
      const parsed: LogLine[] = [];
      let count = 0;
      for (const text of lines) {
        if (text === "") continue;
        count++;
        const line = parseLogLine(text);
        if (line === undefined) this.log.warn({ container: id }, "skipped a malformed log line");
        else parsed.push(line);
      }
      logs.set(id, parsed);
      this.logFiles.set(id, { persistedSeq: 0, lines: count });
    });
    return logs;
  }

  /** Appends the records marked since the last save; on failure they stay marked. */
  private async save(): Promise<void> {
    const records = this.records;
    if (records === undefined) return;
    const sandboxes = this.changedSandboxes;
    const containers = this.changedContainers;
    const images = this.changedImages;
    this.changedSandboxes = new Set();
    this.changedContainers = new Set();
    this.changedImages = new Set();
    try {
      // Taken now, all of it, so that each container line matches the log entries saved
      // with it. Sandboxes come before their containers and go after them.
      const changes: JournalEntry[] = [];
      const removedSandboxes: JournalEntry[] = [];
      for (const id of sandboxes) {
        const sandbox = records.sandbox(id);
        if (sandbox === undefined) removedSandboxes.push({ removeSandbox: id });
        else changes.push({ sandbox });
      }
      const logs: Array<{ id: string; log: ContainerLog; upTo: number }> = [];
      const removedLogs: string[] = [];
      for (const id of containers) {
        const c = records.container(id);
        if (c === undefined) {
          changes.push({ removeContainer: id });
          removedLogs.push(id);
        } else {
          changes.push({ container: persistedForm(c) });
          logs.push({ id, log: c.log, upTo: c.log.lastSeq });
        }
      }
      changes.push(...removedSandboxes);
      for (const id of images) {
        const image = records.image(id);
        changes.push(image === undefined ? { removeImage: id } : { image });
      }
      const snapshot = this.journal.needsSnapshot(changes.length, records.count())
        ? snapshotOf(records)
        : undefined;

      await eachInParallel(logs, ({ id, log, upTo }) => this.saveLog(id, log, upTo));
      if (snapshot !== undefined) await this.journal.snapshot(snapshot);
      else await this.journal.append(changes);
      // Once the journal says they are gone (a stray log is removed at the next start).
      await eachInParallel(removedLogs, async (id) => {
        this.logFiles.delete(id);
        await rm(this.logPath(id), { force: true });
      });
    } catch (e) {
      // Written again by the next save.
      for (const id of sandboxes) this.changedSandboxes.add(id);
      for (const id of containers) this.changedContainers.add(id);
      for (const id of images) this.changedImages.add(id);
      throw e;
    }
  }

  /** Writes the entries of `log` up to seq `upTo` that its file lacks. */
  private async saveLog(id: string, log: ContainerLog, upTo: number): Promise<void> {
    let file = this.logFiles.get(id);
    if (file === undefined) {
      file = { persistedSeq: 0, lines: 0 };
      this.logFiles.set(id, file);
    }
    if (upTo <= file.persistedSeq) return;
    const fresh = log.from(file.persistedSeq + 1, upTo - file.persistedSeq);
    if (file.lines + fresh.length > 2 * LOG_CAPACITY) {
      const kept = log.from(0).filter((e) => e.seq <= upTo);
      await writeFileAtomic(this.logPath(id), linesOf(kept));
      file.lines = kept.length;
    } else {
      await appendFile(this.logPath(id), linesOf(fresh));
      file.lines += fresh.length;
    }
    file.persistedSeq = upTo;
  }
}

/** A container's journal record: with its output not yet ended by a newline. */
function persistedForm(c: PersistedContainer): ContainerRecord {
  return { ...c.record, pendingOutput: c.log.pendingOutput() };
}

function snapshotOf(records: PersistedRecords): JournalEntry[] {
  const { sandboxes, containers, images } = records.all();
  const out: JournalEntry[] = [];
  for (const sandbox of sandboxes) out.push({ sandbox });
  for (const c of containers) out.push({ container: persistedForm(c) });
  for (const image of images) out.push({ image });
  return out;
}

interface ReplayedState {
  readonly sandboxes: Map<string, SandboxRecord>;
  readonly containers: Map<string, ContainerRecord>;
  readonly images: Map<string, ImageRecord>;
}

/** The records a journal holds once its changes are applied in order. */
function replay(path: string, contents: JournalContents, nodeName: string): ReplayedState {
  const header = parseJournalHeader(path, contents.header);
  if (header.nodeName !== nodeName) throw wrongNode(path, header.nodeName, nodeName);
  const state: ReplayedState = { sandboxes: new Map(), containers: new Map(), images: new Map() };
  for (const { at, value } of contents.lines) {
    const entry = parseJournalEntry(path, value, at);
    if ("sandbox" in entry) state.sandboxes.set(entry.sandbox.id, entry.sandbox);
    else if ("container" in entry) state.containers.set(entry.container.id, entry.container);
    else if ("image" in entry) state.images.set(entry.image.id, entry.image);
    else if ("removeSandbox" in entry) state.sandboxes.delete(entry.removeSandbox);
    else if ("removeContainer" in entry) state.containers.delete(entry.removeContainer);
    else state.images.delete(entry.removeImage);
  }
  return state;
}

/** The records of a state.json of version 1; undefined when there is none. */
async function readLegacy(
  path: string,
  nodeName: string,
  log: Logger,
): Promise<ReplayedState | undefined> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(path, `not JSON (${(e as Error).message})`);
  }
  const doc = parseLegacyStateDocument(path, value);
  if (doc.nodeName !== nodeName) throw wrongNode(path, doc.nodeName, nodeName);
  log.info({ from: path }, "migrating the state to a journal");
  return {
    sandboxes: new Map(doc.sandboxes.map((s) => [s.id, s])),
    containers: new Map(doc.containers.map((c) => [c.id, c])),
    images: new Map(doc.images.map((i) => [i.id, i])),
  };
}

function wrongNode(path: string, owner: string, nodeName: string): StateFileError {
  return new StateFileError(
    path,
    `belongs to node ${JSON.stringify(owner)}, not ${JSON.stringify(nodeName)}: give each node its own --state-dir`,
  );
}

function byCreation(a: { createdUs: number; id: string }, b: { createdUs: number; id: string }) {
  return a.createdUs - b.createdUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Runs `fn` on every item, PARALLEL_FILES at a time; once all have settled, fails with the
 * first failure (none is left running to race the next save).
 */
async function eachInParallel<T>(
  items: readonly T[],
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
}

function linesOf(entries: readonly LogLine[]): string {
  return entries.map((e) => `${formatLogLine(e)}\n`).join("");
}
