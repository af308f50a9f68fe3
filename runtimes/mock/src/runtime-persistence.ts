// Where the mock runtime's state lives between runs, in --state-dir:
//   state.json         sandboxes, containers (with where each script is), images; replaced
//                      atomically on every save
//   logs/ID.log        each container's log in the common on-disk line format (the
//                      SDK's cri-log-format.ts), appended to, and rewritten when it has
//                      grown to twice the entries kept
// Saves are coalesced: at most one in flight, the next after it with everything changed
// meanwhile. Lifecycle changes save at once; log lines and script progress within a second,
// so a chatty container does not rewrite the state file per line. A graceful stop saves
// everything; after a crash the last second of script progress may run again.
import { mkdir, readdir, readFile, rm, appendFile } from "node:fs/promises";
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
import { parseStateDocument, type RuntimeStateDocument } from "./runtime-records.js";

/** What a save writes: taken when the save starts. */
export interface PersistenceSnapshot {
  readonly document: RuntimeStateDocument;
  /** The log of every container that exists. */
  readonly logs: ReadonlyMap<string, ContainerLog>;
}

export interface LoadedState {
  /** Undefined for a new state dir. */
  readonly document: RuntimeStateDocument | undefined;
  /** Log lines of each container of the document, oldest first. */
  readonly logs: ReadonlyMap<string, readonly LogLine[]>;
}

/** Delay of saves that may wait (log lines, script progress). */
const SOON_MS = 1000;

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
  private snapshot: (() => PersistenceSnapshot) | undefined;

  private constructor(
    private readonly stateDir: string,
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
   * Reads the state dir (creating it), refusing one that belongs to another node name.
   * Throws StateFileError.
   */
  static async open(
    stateDir: string,
    nodeName: string,
    log: Logger,
  ): Promise<{ persistence: RuntimePersistence; loaded: LoadedState }> {
    const persistence = new RuntimePersistence(stateDir, log);
    await mkdir(join(stateDir, "logs"), { recursive: true });
    const path = persistence.statePath;
    const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    let document: RuntimeStateDocument | undefined;
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new StateFileError(path, `not JSON (${(e as Error).message})`);
      }
      document = parseStateDocument(path, parsed);
      if (document.nodeName !== nodeName)
        throw new StateFileError(
          path,
          `belongs to node ${JSON.stringify(document.nodeName)}, not ${JSON.stringify(nodeName)}: give each node its own --state-dir`,
        );
    }
    const logs = await persistence.loadLogs(new Set(document?.containers.map((c) => c.id)));
    return { persistence, loaded: { document, logs } };
  }

  /** Starts saving from `snapshot`; call once, after adopting the loaded state. */
  attach(snapshot: () => PersistenceSnapshot): void {
    this.snapshot = snapshot;
  }

  /** The log of container `id` holds entries up to `seq`, which are all in its file. */
  adoptLog(id: string, seq: number): void {
    const file = this.logFiles.get(id);
    if (file !== undefined) file.persistedSeq = seq;
  }

  /** Saves as soon as possible (a lifecycle change). */
  saveNow(): void {
    this.task.request();
  }

  /** Saves as soon as possible and resolves once saved. */
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
    if (this.snapshot !== undefined) await this.task.requestAndWait();
    await this.task.idle();
  }

  private get statePath(): string {
    return join(this.stateDir, "state.json");
  }

  private logPath(id: string): string {
    return join(this.stateDir, "logs", `${id}.log`);
  }

  private async loadLogs(ids: ReadonlySet<string>): Promise<Map<string, LogLine[]>> {
    const logs = new Map<string, LogLine[]>();
    for (const name of await readdir(join(this.stateDir, "logs"))) {
      const id = name.endsWith(".log") ? name.slice(0, -".log".length) : undefined;
      if (id === undefined || !ids.has(id)) {
        // Left by a container removed just before a crash, or a temporary file.
        await rm(join(this.stateDir, "logs", name), { force: true });
        continue;
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
    }
    return logs;
  }

  private async save(): Promise<void> {
    if (this.snapshot === undefined) return;
    const { document, logs } = this.snapshot();
    const json = JSON.stringify(document);
    for (const [id, log] of logs) await this.saveLog(id, log);
    for (const id of [...this.logFiles.keys()])
      if (!logs.has(id)) {
        await rm(this.logPath(id), { force: true });
        this.logFiles.delete(id);
      }
    await writeFileAtomic(this.statePath, json);
  }

  private async saveLog(id: string, log: ContainerLog): Promise<void> {
    let file = this.logFiles.get(id);
    if (file === undefined) {
      file = { persistedSeq: 0, lines: 0 };
      this.logFiles.set(id, file);
    }
    if (log.lastSeq === file.persistedSeq) return;
    const fresh = log.from(file.persistedSeq + 1);
    const lastSeq = log.lastSeq;
    if (file.lines + fresh.length > 2 * LOG_CAPACITY) {
      const kept = log.from(0);
      await writeFileAtomic(this.logPath(id), linesOf(kept));
      file.lines = kept.length;
    } else {
      await appendFile(this.logPath(id), linesOf(fresh));
      file.lines += fresh.length;
    }
    file.persistedSeq = lastSeq;
  }
}

function linesOf(entries: readonly LogLine[]): string {
  return entries.map((e) => `${formatLogLine(e)}\n`).join("");
}
