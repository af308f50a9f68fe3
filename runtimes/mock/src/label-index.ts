// Records by label, so that a list filtered by a label selector (the kubelet reads each
// pod's sandboxes and containers by its pod-uid label) costs what it returns, not a scan of
// every record on the node. Labels of a record never change, so a record is indexed once,
// when it is added, and dropped when it is removed. Each set keeps insertion order, which
// is the order the records were created in.

export class LabelIndex<T> {
  private readonly byPair = new Map<string, Set<T>>();

  add(item: T, labels: Readonly<Record<string, string>>): void {
    for (const [k, v] of Object.entries(labels)) {
      const key = pairKey(k, v);
      let items = this.byPair.get(key);
      if (items === undefined) this.byPair.set(key, (items = new Set()));
      items.add(item);
    }
  }

  remove(item: T, labels: Readonly<Record<string, string>>): void {
    for (const [k, v] of Object.entries(labels)) {
      const key = pairKey(k, v);
      const items = this.byPair.get(key);
      if (items === undefined) continue;
      items.delete(item);
      if (items.size === 0) this.byPair.delete(key);
    }
  }

  /**
   * A superset of the items that have every label of `selector` (those of its rarest
   * label); the caller checks the other labels. Undefined for an empty selector.
   */
  candidates(selector: Readonly<Record<string, string>>): ReadonlySet<T> | undefined {
    let best: ReadonlySet<T> | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const items = this.byPair.get(pairKey(k, v)) ?? NONE;
      if (best === undefined || items.size < best.size) best = items;
      if (best.size === 0) break;
    }
    return best;
  }
}

const NONE: ReadonlySet<never> = new Set();

/** Label keys cannot hold a NUL, so the pair is unambiguous. */
function pairKey(key: string, value: string): string {
  return `${key}\0${value}`;
}

/** Whether `labels` has every label of `selector` (an absent selector: yes). */
export function hasLabels(
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>> | undefined,
): boolean {
  if (selector === undefined) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}
