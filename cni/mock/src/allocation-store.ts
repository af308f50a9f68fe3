// The mock network plugin's allocations between runs: a journal (the SDK's state-journal.ts),
// allocations.jsonl in --state-dir, whose lines are
//   {"version":2,"nodeName":N}   the header: the node (another node's plugin refuses it)
//   {"add":ALLOCATION}           a sandbox got an address (the last given of its CIDR)
//   {"del":SANDBOX_ID}           it released it
//   {"last":{CIDR:ADDRESS}}      the last address given per CIDR (ends a snapshot)
// A save appends the changes since the last one, so it costs what changed, not every
// allocation of the node. Saves are coalesced (at most one in flight, the next after it
// with every change meanwhile); a call that changed something answers once its change is
// saved. An allocations.json (version 1: one document, replaced on every save) is migrated
// at start.
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "@k8ts/sdk/logging";
import { CoalescedTask, StateFileError } from "@k8ts/sdk/plugin";
import type { Allocation, AllocationChange, AllocatorState } from "./address-allocator.js";
import { StateJournal, type JournalContents } from "@k8ts/sdk/plugin";

/** The allocations now (the allocator), for snapshots. */
export interface AllocationSource {
  readonly size: number;
  state(): AllocatorState;
}

type JournalEntry =
  | { readonly add: Allocation }
  | { readonly del: string }
  | { readonly last: Readonly<Record<string, string>> };

export class AllocationStore {
  private readonly task: CoalescedTask;
  private source: AllocationSource | undefined;
  /** Changes not yet saved. */
  private pending: JournalEntry[] = [];

  private constructor(
    private readonly journal: StateJournal,
    /** What the state dir held at start; empty for a new one. */
    readonly loaded: AllocatorState,
    log: Logger,
  ) {
    this.task = new CoalescedTask(
      () => this.save(),
      (err) => log.error({ err }, "saving the allocations failed"),
    );
  }

  /**
   * Reads the state dir (creating it) and replaces its journal by a snapshot; throws
   * StateFileError.
   */
  static async open(stateDir: string, nodeName: string, log: Logger): Promise<AllocationStore> {
    await mkdir(stateDir, { recursive: true });
    const path = join(stateDir, "allocations.jsonl");
    const legacyPath = join(stateDir, "allocations.json");
    const { journal, contents } = await StateJournal.open(path, { version: 2, nodeName }, log);
    const loaded =
      contents !== undefined
        ? replay(path, contents, nodeName)
        : ((await readLegacy(legacyPath, nodeName, log)) ?? { allocations: [], lastAllocated: {} });
    await journal.snapshot(snapshotOf(loaded));
    await rm(legacyPath, { force: true });
    return new AllocationStore(journal, loaded, log);
  }

  /** Where snapshots take the allocations from. */
  attach(source: AllocationSource): void {
    this.source = source;
  }

  /** The allocator changed: the next save writes it. */
  changed(change: AllocationChange): void {
    this.pending.push(
      change.kind === "add" ? { add: change.allocation } : { del: change.sandboxId },
    );
  }

  /** Resolves once the allocations as they are now are on disk. */
  saved(): Promise<void> {
    return this.task.requestAndWait();
  }

  /** Saves what is left and closes the journal. */
  async close(): Promise<void> {
    if (this.pending.length > 0) await this.task.requestAndWait();
    await this.task.idle();
    await this.journal.close();
  }

  private async save(): Promise<void> {
    const changes = this.pending;
    this.pending = [];
    const source = this.source;
    try {
      if (source !== undefined && this.journal.needsSnapshot(changes.length, source.size))
        await this.journal.snapshot(snapshotOf(source.state()));
      else await this.journal.append(changes);
    } catch (e) {
      this.pending = [...changes, ...this.pending];
      throw e;
    }
  }
}

function snapshotOf(state: AllocatorState): JournalEntry[] {
  return [...state.allocations.map((add) => ({ add })), { last: state.lastAllocated }];
}

/** The allocations a journal holds once its changes are applied in order. */
function replay(path: string, contents: JournalContents, nodeName: string): AllocatorState {
  const header = contents.header;
  if (header.version !== 2) throw new StateFileError(path, "line 1 is not a header of version 2");
  if (header.nodeName !== nodeName) throw wrongNode(path, header.nodeName, nodeName);
  const bySandbox = new Map<string, Allocation>();
  const last: Record<string, string> = {};
  for (const { at, value } of contents.lines) {
    if (value.add !== undefined) {
      const a = parseAllocation(path, value.add, `${at}: add`);
      bySandbox.set(a.sandboxId, a);
      last[a.cidr] = a.address;
    } else if (typeof value.del === "string") bySandbox.delete(value.del);
    else if (value.last !== undefined) Object.assign(last, addresses(path, value.last, at));
    else throw new StateFileError(path, `${at} is neither add, del nor last`);
  }
  return { allocations: [...bySandbox.values()], lastAllocated: last };
}

/** The allocations of an allocations.json of version 1; undefined when there is none. */
async function readLegacy(
  path: string,
  nodeName: string,
  log: Logger,
): Promise<AllocatorState | undefined> {
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
  const doc = objectAt(path, value, "the document");
  if (doc.version !== 1) throw new StateFileError(path, "not an allocations file of version 1");
  if (doc.nodeName !== nodeName) throw wrongNode(path, doc.nodeName, nodeName);
  if (!Array.isArray(doc.allocations)) throw new StateFileError(path, "allocations is not a list");
  log.info({ from: path }, "migrating the allocations to a journal");
  return {
    allocations: (doc.allocations as unknown[]).map((a, i) =>
      parseAllocation(path, a, `allocations[${i}]`),
    ),
    lastAllocated: addresses(path, doc.lastAllocated ?? {}, "lastAllocated"),
  };
}

function wrongNode(path: string, owner: unknown, nodeName: string): StateFileError {
  return new StateFileError(
    path,
    `belongs to node ${JSON.stringify(owner)}, not ${JSON.stringify(nodeName)}: give each node its own --state-dir`,
  );
}

function objectAt(path: string, value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new StateFileError(path, `${at} is not an object`);
  return value as Record<string, unknown>;
}

/** CIDR -> address. */
function addresses(path: string, value: unknown, at: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [cidr, address] of Object.entries(objectAt(path, value, at))) {
    if (typeof address !== "string")
      throw new StateFileError(path, `${at}.${cidr} is not a string`);
    out[cidr] = address;
  }
  return out;
}

function parseAllocation(path: string, value: unknown, at: string): Allocation {
  const a = objectAt(path, value, at);
  const str = (k: string): string => {
    const v = a[k];
    if (typeof v !== "string") throw new StateFileError(path, `${at}.${k} is not a string`);
    return v;
  };
  const prefix = a.prefix;
  if (typeof prefix !== "number") throw new StateFileError(path, `${at}.prefix is not a number`);
  return {
    sandboxId: str("sandboxId"),
    address: str("address"),
    prefix,
    cidr: str("cidr"),
    gateway: str("gateway"),
    interfaceName: str("interfaceName"),
  };
}
