// The in-memory index of acknowledged keys: key -> revisions, plus the keys in bytewise
// UTF-8 order for scans. It is rebuilt from the change log when the store opens, so only
// the log is written per commit: sequential appends instead of a random B-tree page per
// key, which measured three times faster here.

export interface IndexEntry {
  readonly createRevision: number;
  readonly modRevision: number;
}

/**
 * Orders JavaScript strings as their UTF-8 bytes (code point order). UTF-16 order differs
 * only where a surrogate (a character above U+FFFF) meets a unit in U+E000..U+FFFF: UTF-8
 * puts the surrogate pair after, UTF-16 before.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit;
  // Surrogates move above U+E000..U+FFFF, which move down into their place.
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** Keys per block: small enough that a splice is cheap, large enough for few blocks. */
const BLOCK_SIZE = 512;

/** Code units from U+D800 up, where UTF-16 and UTF-8 order can disagree. */
const HIGH_UNITS = /[\uD800-\uFFFF]/;

/** JavaScript's own string order: the same as compareKeys for keys without HIGH_UNITS. */
function compareUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Acknowledged keys with their revisions, iterable in key order. The order lives in a list
 * of sorted blocks (insert and delete splice one block; no rebalancing beyond splitting
 * full blocks and dropping empty ones).
 */
export class KeyIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private blocks: string[][] = [];
  /**
   * Keys holding code units from U+D800 up. While there are none (Kubernetes keys are
   * ASCII), searches for such keys use the engine's native comparison.
   */
  private highKeys = 0;

  get size(): number {
    return this.entries.size;
  }

  get(key: string): IndexEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: IndexEntry): void {
    if (!this.entries.has(key)) this.insertKey(key);
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    if (!this.entries.delete(key)) return;
    const compare = this.comparatorFor(key);
    if (HIGH_UNITS.test(key)) this.highKeys--;
    const b = this.blockFor(key, compare);
    const block = this.blocks[b];
    if (block === undefined) return;
    block.splice(lowerBound(block, key, compare), 1);
    if (block.length === 0) this.blocks.splice(b, 1);
  }

  /** Keys >= start, in order. Consume it synchronously: the index must not change meanwhile. */
  *keysFrom(start: string): Generator<string> {
    const compare = this.comparatorFor(start);
    let b = this.blockFor(start, compare);
    let i = lowerBound(this.blocks[b] ?? [], start, compare);
    for (; b < this.blocks.length; b++, i = 0) {
      const block = this.blocks[b] ?? [];
      for (; i < block.length; i++) {
        const key = block[i];
        if (key !== undefined) yield key;
      }
    }
  }

  private insertKey(key: string): void {
    if (HIGH_UNITS.test(key)) this.highKeys++;
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      return;
    }
    const compare = this.comparatorFor(key);
    const b = Math.min(this.blockFor(key, compare), this.blocks.length - 1);
    const block = this.blocks[b] ?? [];
    block.splice(lowerBound(block, key, compare), 0, key);
    if (block.length > BLOCK_SIZE) this.blocks.splice(b + 1, 0, block.splice(BLOCK_SIZE / 2));
  }

  /** How to compare `key` with the indexed keys: natively when no high units are involved. */
  private comparatorFor(key: string): (a: string, b: string) => number {
    return this.highKeys === 0 && !HIGH_UNITS.test(key) ? compareUnits : compareKeys;
  }

  /** The first block whose last key is >= key (blocks.length if none). */
  private blockFor(key: string, compare: (a: string, b: string) => number): number {
    let low = 0;
    let high = this.blocks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const last = this.blocks[mid]?.at(-1);
      if (last !== undefined && compare(last, key) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** The first index in a sorted block whose key is >= key. */
function lowerBound(
  block: readonly string[],
  key: string,
  compare: (a: string, b: string) => number,
): number {
  let low = 0;
  let high = block.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const at = block[mid];
    if (at !== undefined && compare(at, key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
