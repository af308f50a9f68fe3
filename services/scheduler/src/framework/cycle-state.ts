// Per-cycle storage shared by the extension points of one scheduling attempt: a plugin
// computes something in PreFilter or PreScore and reads it back in Filter or Score. Keys
// are typed objects, so each plugin's state keeps its type without casts at the call site.

/** A typed key; create one per plugin and kind of state with stateKey(). */
export interface StateKey<T> {
  readonly name: string;
  /** Never set: carries T for the type checker. */
  readonly __type?: T;
}

export function stateKey<T>(name: string): StateKey<T> {
  return { name };
}

export class CycleState {
  private readonly values = new Map<StateKey<unknown>, unknown>();

  write<T>(key: StateKey<T>, value: T): void {
    this.values.set(key, value);
  }

  read<T>(key: StateKey<T>): T | undefined {
    return this.values.get(key) as T | undefined;
  }
}
