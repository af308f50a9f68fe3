// What the mock runtime keeps about its sandboxes, containers and images: plain data,
// persisted as lines of a journal in --state-dir (runtime-persistence.ts) and parsed back,
// checked, when the plugin starts. Times are integer microseconds since the Unix epoch
// (0: not yet).
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

/** First line of the state journal: the node it belongs to (another node's plugin refuses it). */
export interface JournalHeader {
  readonly version: 2;
  readonly nodeName: string;
}

/** One change line of the state journal: a record as it is now, or its removal. */
export type JournalEntry =
  | { readonly sandbox: SandboxRecord }
  | { readonly container: ContainerRecord }
  | { readonly image: ImageRecord }
  | { readonly removeSandbox: string }
  | { readonly removeContainer: string }
  | { readonly removeImage: string };

/** state.json of version 1: the whole state in one document, read once to migrate it. */
export interface LegacyStateDocument {
  readonly version: 1;
  readonly nodeName: string;
  readonly sandboxes: readonly SandboxRecord[];
  readonly containers: readonly ContainerRecord[];
  readonly images: readonly ImageRecord[];
}

/** Checks the journal's header line; throws StateFileError naming the first bad field. */
export function parseJournalHeader(path: string, value: Record<string, unknown>): JournalHeader {
  const bad = badIn(path);
  if (value.version !== 2) throw bad("line 1: version", "2");
  return { version: 2, nodeName: str(value.nodeName, "line 1: nodeName", bad) };
}

/** Checks a change line of the journal (`at` names it: "line 7"). */
export function parseJournalEntry(
  path: string,
  value: Record<string, unknown>,
  at: string,
): JournalEntry {
  const bad = badIn(path);
  const [kind, ...more] = Object.keys(value);
  if (kind === undefined || more.length > 0) throw bad(at, "an object of one field");
  const field = `${at}: ${kind}`;
  switch (kind) {
    case "sandbox":
      return { sandbox: parseSandbox(record(value.sandbox, field, bad), `${field}.`, bad) };
    case "container":
      return { container: parseContainer(record(value.container, field, bad), `${field}.`, bad) };
    case "image":
      return { image: parseImage(record(value.image, field, bad), `${field}.`, bad) };
    case "removeSandbox":
      return { removeSandbox: str(value.removeSandbox, field, bad) };
    case "removeContainer":
      return { removeContainer: str(value.removeContainer, field, bad) };
    case "removeImage":
      return { removeImage: str(value.removeImage, field, bad) };
    default:
      throw bad(field, "a known change (sandbox, container, image or their removal)");
  }
}

/** Checks a parsed state.json of version 1. */
export function parseLegacyStateDocument(path: string, value: unknown): LegacyStateDocument {
  const bad = badIn(path);
  const doc = record(value, "the document", bad);
  if (doc.version !== 1) throw bad("version", "1");
  const each = <T>(
    field: string,
    parse: (v: Record<string, unknown>, at: string, bad: Bad) => T,
  ): T[] =>
    list(doc[field], field, bad).map((v, i) =>
      parse(record(v, `${field}[${i}]`, bad), `${field}[${i}].`, bad),
    );
  return {
    version: 1,
    nodeName: str(doc.nodeName, "nodeName", bad),
    sandboxes: each("sandboxes", parseSandbox),
    containers: each("containers", parseContainer),
    images: each("images", parseImage),
  };
}

type Bad = (where: string, what: string) => StateFileError;

function badIn(path: string): Bad {
  return (where, what) => new StateFileError(path, `${where} is not ${what}`);
}

// `at` prefixes field names: "line 7: container." in the journal, "containers[3]." in
// state.json.

function parseSandbox(s: Record<string, unknown>, at: string, bad: Bad): SandboxRecord {
  const state = str(s.state, `${at}state`, bad);
  if (state !== "READY" && state !== "NOTREADY") throw bad(`${at}state`, "READY or NOTREADY");
  return {
    id: str(s.id, `${at}id`, bad),
    name: str(s.name, `${at}name`, bad),
    uid: str(s.uid, `${at}uid`, bad),
    namespace: str(s.namespace, `${at}namespace`, bad),
    attempt: num(s.attempt, `${at}attempt`, bad),
    hostname: str(s.hostname, `${at}hostname`, bad),
    labels: strings(s.labels, `${at}labels`, bad),
    annotations: strings(s.annotations, `${at}annotations`, bad),
    createdUs: num(s.createdUs, `${at}createdUs`, bad),
    state,
  };
}

function parseContainer(c: Record<string, unknown>, at: string, bad: Bad): ContainerRecord {
  const state = str(c.state, `${at}state`, bad);
  if (state !== "CREATED" && state !== "RUNNING" && state !== "EXITED")
    throw bad(`${at}state`, "CREATED, RUNNING or EXITED");
  const out: ContainerRecord = {
    id: str(c.id, `${at}id`, bad),
    sandboxId: str(c.sandboxId, `${at}sandboxId`, bad),
    name: str(c.name, `${at}name`, bad),
    attempt: num(c.attempt, `${at}attempt`, bad),
    image: str(c.image, `${at}image`, bad),
    imageRef: str(c.imageRef, `${at}imageRef`, bad),
    command: list(c.command, `${at}command`, bad).map((w, j) => str(w, `${at}command[${j}]`, bad)),
    args: list(c.args, `${at}args`, bad).map((w, j) => str(w, `${at}args[${j}]`, bad)),
    stdin: c.stdin === true,
    labels: strings(c.labels, `${at}labels`, bad),
    annotations: strings(c.annotations, `${at}annotations`, bad),
    createdUs: num(c.createdUs, `${at}createdUs`, bad),
    state,
    startedUs: num(c.startedUs, `${at}startedUs`, bad),
    finishedUs: num(c.finishedUs, `${at}finishedUs`, bad),
    exitCode: num(c.exitCode, `${at}exitCode`, bad),
    reason: str(c.reason, `${at}reason`, bad),
    message: str(c.message, `${at}message`, bad),
  };
  if (c.shell !== undefined) {
    const sh = record(c.shell, `${at}shell`, bad);
    out.shell = {
      pc: num(sh.pc, `${at}shell.pc`, bad),
      status: num(sh.status, `${at}shell.status`, bad),
      ignoreTerm: sh.ignoreTerm === true,
    };
  }
  if (c.wakeUs !== undefined) out.wakeUs = num(c.wakeUs, `${at}wakeUs`, bad);
  if (c.killUs !== undefined) out.killUs = num(c.killUs, `${at}killUs`, bad);
  if (c.pendingOutput !== undefined)
    out.pendingOutput = strings(c.pendingOutput, `${at}pendingOutput`, bad);
  return out;
}

function parseImage(img: Record<string, unknown>, at: string, bad: Bad): ImageRecord {
  return {
    id: str(img.id, `${at}id`, bad),
    repoTags: list(img.repoTags, `${at}repoTags`, bad).map((t, j) =>
      str(t, `${at}repoTags[${j}]`, bad),
    ),
    pulledUs: num(img.pulledUs, `${at}pulledUs`, bad),
  };
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
