// The mock network plugin's allocations between runs: allocations.json in --state-dir,
// replaced atomically. Saves are coalesced (at most one in flight, the next after it with
// every change meanwhile); a call that changed something answers once its change is saved.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "@k8ts/sdk/logging";
import { CoalescedTask, StateFileError, writeFileAtomic } from "@k8ts/sdk/plugin";
import type { Allocation, AllocatorState } from "./address-allocator.js";

interface AllocationsDocument extends AllocatorState {
  readonly version: 1;
  /** The node the allocations belong to: a plugin refuses another node's state dir. */
  readonly nodeName: string;
}

export class AllocationStore {
  private readonly task: CoalescedTask;
  private state: (() => AllocatorState) | undefined;

  private constructor(
    private readonly path: string,
    private readonly nodeName: string,
    /** What the file held at start; undefined for a new state dir. */
    readonly loaded: AllocatorState | undefined,
    log: Logger,
  ) {
    this.task = new CoalescedTask(
      () => writeFileAtomic(this.path, JSON.stringify(this.document())),
      (err) => log.error({ err }, "saving the allocations failed"),
    );
  }

  /** Reads the state dir (creating it); throws StateFileError. */
  static async open(stateDir: string, nodeName: string, log: Logger): Promise<AllocationStore> {
    await mkdir(stateDir, { recursive: true });
    const path = join(stateDir, "allocations.json");
    const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    const loaded = text === undefined ? undefined : parseDocument(path, text, nodeName);
    return new AllocationStore(path, nodeName, loaded, log);
  }

  /** Where saves take the allocations from. */
  attach(state: () => AllocatorState): void {
    this.state = state;
  }

  /** Resolves once the allocations as they are now are on disk. */
  saved(): Promise<void> {
    return this.task.requestAndWait();
  }

  /** Waits for saves in flight. */
  idle(): Promise<void> {
    return this.task.idle();
  }

  private document(): AllocationsDocument {
    const state = this.state?.() ?? this.loaded ?? { allocations: [], lastAllocated: {} };
    return { version: 1, nodeName: this.nodeName, ...state };
  }
}

function parseDocument(path: string, text: string, nodeName: string): AllocatorState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(path, `not JSON (${(e as Error).message})`);
  }
  const doc = value as Partial<AllocationsDocument> | null;
  if (typeof doc !== "object" || doc === null || doc.version !== 1)
    throw new StateFileError(path, "not an allocations file of version 1");
  if (doc.nodeName !== nodeName)
    throw new StateFileError(
      path,
      `belongs to node ${JSON.stringify(doc.nodeName)}, not ${JSON.stringify(nodeName)}: give each node its own --state-dir`,
    );
  if (!Array.isArray(doc.allocations)) throw new StateFileError(path, "allocations is not a list");
  const allocations = (doc.allocations as unknown[]).map((a, i) => parseAllocation(path, a, i));
  const last: Record<string, string> = {};
  for (const [cidr, address] of Object.entries(doc.lastAllocated ?? {}))
    if (typeof address === "string") last[cidr] = address;
  return { allocations, lastAllocated: last };
}

function parseAllocation(path: string, value: unknown, i: number): Allocation {
  const a = value as Record<string, unknown> | null;
  const str = (k: string): string => {
    const v = a?.[k];
    if (typeof v !== "string")
      throw new StateFileError(path, `allocations[${i}].${k} is not a string`);
    return v;
  };
  const prefix = a?.prefix;
  if (typeof prefix !== "number")
    throw new StateFileError(path, `allocations[${i}].prefix is not a number`);
  return {
    sandboxId: str("sandboxId"),
    address: str("address"),
    prefix,
    cidr: str("cidr"),
    gateway: str("gateway"),
    interfaceName: str("interfaceName"),
  };
}
