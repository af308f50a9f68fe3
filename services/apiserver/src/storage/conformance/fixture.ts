// Test plumbing for the conformance suite: tracks every store, location and child process
// a test creates and tears them all down afterwards, whatever the test's outcome.

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Store } from "../store.js";
import type { ConformanceOpenOptions, StoreHarness } from "./harness.js";
import { waitFor } from "./wait-for.js";

const CHILD_SCRIPT = fileURLToPath(new URL("./store-child.js", import.meta.url));

export class Fixture {
  private stores: Store[] = [];
  private locations: string[] = [];
  private children: StoreChild[] = [];

  constructor(private readonly harness: StoreHarness) {}

  async location(): Promise<string> {
    const location = await this.harness.newLocation();
    this.locations.push(location);
    return location;
  }

  async open(location: string, options?: ConformanceOpenOptions): Promise<Store> {
    const store = await this.harness.open(location, options);
    this.stores.push(store);
    return store;
  }

  /** A store at a fresh location. */
  async fresh(options?: ConformanceOpenOptions): Promise<{ store: Store; location: string }> {
    const location = await this.location();
    return { store: await this.open(location, options), location };
  }

  child(location: string, mode: "open" | "write", ...args: string[]): StoreChild {
    const module = this.harness.childModule;
    const spec = module instanceof URL ? module.href : module;
    const child = new StoreChild(
      spawn(process.execPath, [CHILD_SCRIPT, spec, location, mode, ...args], {
        // stdin stays open for the child's life: its end tells the child we are gone.
        stdio: ["pipe", "pipe", "pipe"],
      }),
    );
    this.children.push(child);
    return child;
  }

  async cleanup(): Promise<void> {
    const children = this.children;
    const stores = this.stores;
    const locations = this.locations;
    this.children = [];
    this.stores = [];
    this.locations = [];
    await Promise.all(children.map((child) => child.kill()));
    await Promise.all(stores.map((store) => store.close()));
    await Promise.all(locations.map((location) => this.harness.removeLocation(location)));
  }
}

/** A child process running store-child.js; stdout collected as complete lines. */
export class StoreChild {
  readonly lines: string[] = [];
  private stderr = "";
  private partial = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly process: ChildProcess) {
    process.stdout?.setEncoding("utf8");
    process.stdout?.on("data", (chunk: string) => {
      // Only newline-terminated lines count: a line cut short by SIGKILL is not an ack.
      const parts = (this.partial + chunk).split("\n");
      this.partial = parts.pop() ?? "";
      this.lines.push(...parts);
    });
    process.stderr?.setEncoding("utf8");
    process.stderr?.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      process.once("exit", (code, signal) => resolve({ code, signal }));
    });
  }

  /** The first line matching `pattern`, waiting for it (or failing with what was seen). */
  async line(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return waitFor(
      `a line matching ${String(pattern)} from the child`,
      () =>
        this.lines.find((line) => pattern.test(line)) ??
        (this.process.exitCode !== null ? this.failExited() : undefined),
      () => this.describe(),
      { timeoutMs },
    );
  }

  /** Waits until `count` lines match. */
  async lineCount(pattern: RegExp, count: number, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      `${count} lines matching ${String(pattern)} from the child`,
      () =>
        this.lines.filter((line) => pattern.test(line)).length >= count ||
        (this.process.exitCode !== null ? this.failExited() : false),
      () => this.describe(),
      { timeoutMs },
    );
  }

  /** SIGKILL: no chance to flush, close or unlock anything. */
  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null)
      this.process.kill("SIGKILL");
    await this.exited;
  }

  describe(): string {
    return `exit=${String(this.process.exitCode ?? this.process.signalCode)} lines=${this.lines.length} last=${JSON.stringify(this.lines.slice(-3))} stderr=${JSON.stringify(this.stderr.slice(-2000))}`;
  }

  private failExited(): never {
    throw new Error(`child exited early: ${this.describe()}`);
  }
}
