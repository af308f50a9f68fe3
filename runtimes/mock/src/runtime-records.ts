// What the mock runtime keeps about its sandboxes, containers and images: plain data,
// persisted as one JSON document (state.json in --state-dir) and parsed back, checked, when
// the plugin starts. Times are integer microseconds since the Unix epoch (0: not yet).
import { StateFileError, type LogStream } from "@k8ts/sdk/plugin";
import type { ShellState } from "./shell-interpreter.js";

export type SandboxState = "READY" | "NOTREADY";
export type ContainerRunState = "CREATED" | "RUNNING" | "EXITED";

export interface SandboxRecord {
  readonly id: string;
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  readonly attempt: number;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly createdUs: number;
  state: SandboxState;
}

export interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly attempt: number;
  /** The image as requested, and the id of the image used. */
  readonly image: string;
  readonly imageRef: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  /** stdin kept open: `cat` in the script waits instead of reading end-of-file. */
  readonly stdin: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly createdUs: number;
  state: ContainerRunState;
  startedUs: number;
  finishedUs: number;
  exitCode: number;
  reason: string;
  message: string;
  /** Where the script is, while running. */
  shell?: ShellState;
  /** When the script's current wait ends; absent: it waits for a signal only. */
  wakeUs?: number;
  /** When a stop that was ignored turns into SIGKILL. */
  killUs?: number;
  /** Output not yet ended by a newline (persisted form only). */
  pendingOutput?: Partial<Record<LogStream, string>>;
}

export interface ImageRecord {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly pulledUs: number;
}

export interface RuntimeStateDocument {
  readonly version: 1;
  /** The node the state belongs to: a plugin refuses another node's state dir. */
  readonly nodeName: string;
  readonly sandboxes: readonly SandboxRecord[];
  readonly containers: readonly ContainerRecord[];
  readonly images: readonly ImageRecord[];
}

/** Checks a parsed state.json; throws StateFileError naming the first bad field. */
export function parseStateDocument(path: string, value: unknown): RuntimeStateDocument {
  const bad = (where: string, what: string): StateFileError =>
    new StateFileError(path, `${where} is not ${what}`);
  const doc = record(value, "the document", bad);
  if (doc.version !== 1) throw bad("version", "1");
  return {
    version: 1,
    nodeName: str(doc.nodeName, "nodeName", bad),
    sandboxes: list(doc.sandboxes, "sandboxes", bad).map((v, i) => {
      const at = `sandboxes[${i}]`;
      const s = record(v, at, bad);
      const state = str(s.state, `${at}.state`, bad);
      if (state !== "READY" && state !== "NOTREADY") throw bad(`${at}.state`, "READY or NOTREADY");
      return {
        id: str(s.id, `${at}.id`, bad),
        name: str(s.name, `${at}.name`, bad),
        uid: str(s.uid, `${at}.uid`, bad),
        namespace: str(s.namespace, `${at}.namespace`, bad),
        attempt: num(s.attempt, `${at}.attempt`, bad),
        hostname: str(s.hostname, `${at}.hostname`, bad),
        labels: strings(s.labels, `${at}.labels`, bad),
        annotations: strings(s.annotations, `${at}.annotations`, bad),
        createdUs: num(s.createdUs, `${at}.createdUs`, bad),
        state,
      };
    }),
    containers: list(doc.containers, "containers", bad).map((v, i) =>
      parseContainer(record(v, `containers[${i}]`, bad), `containers[${i}]`, bad),
    ),
    images: list(doc.images, "images", bad).map((v, i) => {
      const at = `images[${i}]`;
      const img = record(v, at, bad);
      return {
        id: str(img.id, `${at}.id`, bad),
        repoTags: list(img.repoTags, `${at}.repoTags`, bad).map((t, j) =>
          str(t, `${at}.repoTags[${j}]`, bad),
        ),
        pulledUs: num(img.pulledUs, `${at}.pulledUs`, bad),
      };
    }),
  };
}

type Bad = (where: string, what: string) => StateFileError;

function parseContainer(c: Record<string, unknown>, at: string, bad: Bad): ContainerRecord {
  const state = str(c.state, `${at}.state`, bad);
  if (state !== "CREATED" && state !== "RUNNING" && state !== "EXITED")
    throw bad(`${at}.state`, "CREATED, RUNNING or EXITED");
  const out: ContainerRecord = {
    id: str(c.id, `${at}.id`, bad),
    sandboxId: str(c.sandboxId, `${at}.sandboxId`, bad),
    name: str(c.name, `${at}.name`, bad),
    attempt: num(c.attempt, `${at}.attempt`, bad),
    image: str(c.image, `${at}.image`, bad),
    imageRef: str(c.imageRef, `${at}.imageRef`, bad),
    command: list(c.command, `${at}.command`, bad).map((w, j) =>
      str(w, `${at}.command[${j}]`, bad),
    ),
    args: list(c.args, `${at}.args`, bad).map((w, j) => str(w, `${at}.args[${j}]`, bad)),
    stdin: c.stdin === true,
    labels: strings(c.labels, `${at}.labels`, bad),
    annotations: strings(c.annotations, `${at}.annotations`, bad),
    createdUs: num(c.createdUs, `${at}.createdUs`, bad),
    state,
    startedUs: num(c.startedUs, `${at}.startedUs`, bad),
    finishedUs: num(c.finishedUs, `${at}.finishedUs`, bad),
    exitCode: num(c.exitCode, `${at}.exitCode`, bad),
    reason: str(c.reason, `${at}.reason`, bad),
    message: str(c.message, `${at}.message`, bad),
  };
  if (c.shell !== undefined) {
    const sh = record(c.shell, `${at}.shell`, bad);
    out.shell = {
      pc: num(sh.pc, `${at}.shell.pc`, bad),
      status: num(sh.status, `${at}.shell.status`, bad),
      ignoreTerm: sh.ignoreTerm === true,
    };
  }
  if (c.wakeUs !== undefined) out.wakeUs = num(c.wakeUs, `${at}.wakeUs`, bad);
  if (c.killUs !== undefined) out.killUs = num(c.killUs, `${at}.killUs`, bad);
  if (c.pendingOutput !== undefined) out.pendingOutput = strings(c.pendingOutput, at, bad);
  return out;
}

function record(v: unknown, at: string, bad: Bad): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(at, "an object");
  return v as Record<string, unknown>;
}

function list(v: unknown, at: string, bad: Bad): unknown[] {
  if (!Array.isArray(v)) throw bad(at, "a list");
  return v as unknown[];
}

function str(v: unknown, at: string, bad: Bad): string {
  if (typeof v !== "string") throw bad(at, "a string");
  return v;
}

function num(v: unknown, at: string, bad: Bad): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw bad(at, "a number");
  return v;
}

function strings(v: unknown, at: string, bad: Bad): Record<string, string> {
  const r = record(v, at, bad);
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(r)) out[k] = str(s, `${at}.${k}`, bad);
  return out;
}
