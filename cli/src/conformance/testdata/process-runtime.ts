// A small runtime/v1 plugin for the conformance suite's own tests: containers are host
// processes (the image is only a name; the host's sh, cat and sleep stand in for busybox's)
// and all state is in memory, so it forgets everything when restarted. Faults make it
// break the contract on purpose, so the tests can see the suite fail and say why.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import {
  Server,
  status as Code,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { bindUnixSocket } from "@k8ts/sdk";
import {
  ContainerState,
  ImageServiceService,
  PodSandboxState,
  RuntimeServiceService,
  type Container,
  type ContainerConfig,
  type ContainerLogsRequest,
  type ContainerLogsResponse,
  type ContainerStatus,
  type ExecRequest,
  type ExecResponse,
  type ImageServiceServer,
  type LogEntry,
  type PodSandbox,
  type PodSandboxConfig,
  type RuntimeServiceServer,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";

/** Ways to break the contract on purpose. */
export const RUNTIME_FAULTS = [
  /** Stop of an unknown id fails with NOT_FOUND instead of succeeding. */
  "stop-unknown-fails",
  /** Labels given at creation are not kept. */
  "drops-labels",
  /** Every exited container reports exit code 0, reason Completed. */
  "wrong-exit-codes",
] as const;
export type RuntimeFault = (typeof RUNTIME_FAULTS)[number];

export interface ProcessRuntimeOptions {
  readonly nodeName: string;
  readonly faults?: readonly RuntimeFault[];
}

/** A failure the handlers answer with a gRPC status. */
class RuntimeError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = "RuntimeError";
  }
}

interface SandboxRecord {
  readonly id: string;
  readonly config: PodSandboxConfig;
  readonly createdAt: number;
  state: PodSandboxState;
}

interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  readonly config: ContainerConfig;
  readonly createdAt: number;
  state: ContainerState;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  child: ChildProcess | undefined;
  readonly logs: LogEntry[];
  /** Called on each new log entry and once the container has exited. */
  readonly listeners: Set<() => void>;
  exited: Promise<void>;
}

let lastNs = 0;
/** Unix nanoseconds, strictly increasing within this process. */
function nowNs(): number {
  lastNs = Math.max(lastNs + 1000, Date.now() * 1e6);
  return lastNs;
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : constants.signals[signal]);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (e) {
    // The group is gone already: the process exited between our check and the kill.
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

/** Splits a stream into log entries, one per line. */
function collectLines(
  stream: NodeJS.ReadableStream,
  name: string,
  onEntry: (e: LogEntry) => void,
): void {
  let pending = Buffer.alloc(0);
  stream.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (let nl = pending.indexOf(10); nl >= 0; nl = pending.indexOf(10)) {
      onEntry({
        timestamp: nowNs(),
        stream: name,
        content: pending.subarray(0, nl),
        partial: false,
      });
      pending = pending.subarray(nl + 1);
    }
  });
  stream.on("end", () => {
    if (pending.length > 0)
      onEntry({ timestamp: nowNs(), stream: name, content: pending, partial: true });
  });
}

export class ProcessRuntime {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly images = new Map<string, string>();
  private readonly faults: ReadonlySet<RuntimeFault>;
  private readonly server = new Server();
  private readonly execs = new Set<ChildProcess>();
  private counter = 0;

  constructor(private readonly options: ProcessRuntimeOptions) {
    this.faults = new Set(options.faults ?? []);
    this.server.addService(RuntimeServiceService, this.runtimeService());
    this.server.addService(ImageServiceService, this.imageService());
  }

  async serve(socketPath: string): Promise<void> {
    await bindUnixSocket(this.server, socketPath);
  }

  /** Kills every container and exec, and stops serving. */
  async close(): Promise<void> {
    for (const c of this.containers.values())
      if (c.child !== undefined) killGroup(c.child, "SIGKILL");
    for (const e of this.execs) killGroup(e, "SIGKILL");
    await Promise.all([...this.containers.values()].map((c) => c.exited));
    this.server.forceShutdown();
  }

  private newId(kind: string): string {
    return `${this.options.nodeName}-${kind}-${++this.counter}-${randomBytes(3).toString("hex")}`;
  }

  private labels(labels: Record<string, string>): Record<string, string> {
    return this.faults.has("drops-labels") ? {} : { ...labels };
  }

  private sandbox(id: string): SandboxRecord {
    const s = this.sandboxes.get(id);
    if (s === undefined) throw new RuntimeError(Code.NOT_FOUND, `sandbox ${id} not found`);
    return s;
  }

  private container(id: string): ContainerRecord {
    const c = this.containers.get(id);
    if (c === undefined) throw new RuntimeError(Code.NOT_FOUND, `container ${id} not found`);
    return c;
  }

  private running(id: string): ContainerRecord {
    const c = this.container(id);
    if (c.state !== ContainerState.CONTAINER_STATE_RUNNING)
      throw new RuntimeError(Code.FAILED_PRECONDITION, `container ${id} is not running`);
    return c;
  }

  private listedSandbox(s: SandboxRecord): PodSandbox {
    return {
      id: s.id,
      metadata: s.config.metadata,
      state: s.state,
      createdAt: s.createdAt,
      labels: this.labels(s.config.labels),
      annotations: s.config.annotations,
    };
  }

  private listedContainer(c: ContainerRecord): Container {
    return {
      id: c.id,
      podSandboxId: c.sandboxId,
      metadata: c.config.metadata,
      image: c.config.image,
      imageRef: this.images.get(c.config.image?.image ?? "") ?? "",
      state: c.state,
      createdAt: c.createdAt,
      labels: this.labels(c.config.labels),
      annotations: c.config.annotations,
    };
  }

  private containerStatus(c: ContainerRecord): ContainerStatus {
    const wrong =
      this.faults.has("wrong-exit-codes") && c.state === ContainerState.CONTAINER_STATE_EXITED;
    return {
      id: c.id,
      metadata: c.config.metadata,
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: wrong ? 0 : c.exitCode,
      image: c.config.image,
      imageRef: this.images.get(c.config.image?.image ?? "") ?? "",
      reason: wrong ? "Completed" : c.reason,
      message: "",
      labels: this.labels(c.config.labels),
      annotations: c.config.annotations,
    };
  }

  private start(c: ContainerRecord): void {
    const [file, ...args] = [...c.config.command, ...c.config.args];
    if (file === undefined)
      throw new RuntimeError(Code.INVALID_ARGUMENT, "config.command: required here");
    const env = {
      ...process.env,
      ...Object.fromEntries(c.config.envs.map((e) => [e.key, e.value])),
    };
    const child = spawn(file, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env });
    c.child = child;
    c.state = ContainerState.CONTAINER_STATE_RUNNING;
    c.startedAt = nowNs();
    const notify = (): void => {
      for (const l of c.listeners) l();
    };
    const onEntry = (e: LogEntry): void => {
      c.logs.push(e);
      notify();
    };
    collectLines(child.stdout, "stdout", onEntry);
    collectLines(child.stderr, "stderr", onEntry);
    c.exited = new Promise<void>((resolve) => {
      const finish = (code: number, reason: string): void => {
        c.state = ContainerState.CONTAINER_STATE_EXITED;
        c.finishedAt = nowNs();
        c.exitCode = code;
        c.reason = reason;
        c.child = undefined;
        resolve();
        notify();
      };
      child.once("error", () => finish(127, "ContainerCannotRun"));
      // "close": the process has exited and its output is drained.
      child.once("close", (code, signal) => {
        const exit = exitCodeOf(code, signal);
        finish(exit, exit === 0 ? "Completed" : "Error");
      });
    });
  }

  private async stop(c: ContainerRecord, timeoutSeconds: number): Promise<void> {
    const child = c.child;
    if (child === undefined || c.state !== ContainerState.CONTAINER_STATE_RUNNING) return;
    if (timeoutSeconds > 0) {
      killGroup(child, "SIGTERM");
      const done = await Promise.race([
        c.exited.then(() => true),
        delay(timeoutSeconds * 1000, false),
      ]);
      if (done) return;
    }
    killGroup(child, "SIGKILL");
    await c.exited;
  }

  private async removeSandboxContainers(sandboxId: string, remove: boolean): Promise<void> {
    for (const c of [...this.containers.values()].filter((x) => x.sandboxId === sandboxId)) {
      await this.stop(c, 0);
      if (remove) this.containers.delete(c.id);
    }
  }

  private runtimeService(): RuntimeServiceServer {
    return {
      version: unary(() => ({
        version: "v1",
        runtimeName: "test-process",
        runtimeVersion: "0.0.0",
        nodeName: this.options.nodeName,
      })),
      status: unary(() => ({
        conditions: [{ type: "RuntimeReady", status: true, reason: "", message: "" }],
      })),
      runPodSandbox: unary((req) => {
        if (req.config?.metadata === undefined)
          throw new RuntimeError(Code.INVALID_ARGUMENT, "config.metadata: required");
        const id = this.newId("sandbox");
        this.sandboxes.set(id, {
          id,
          config: req.config,
          createdAt: nowNs(),
          state: PodSandboxState.POD_SANDBOX_STATE_READY,
        });
        return { podSandboxId: id };
      }),
      stopPodSandbox: unary(async (req) => {
        const s = this.sandboxes.get(req.podSandboxId);
        if (s === undefined) {
          if (this.faults.has("stop-unknown-fails"))
            throw new RuntimeError(Code.NOT_FOUND, `sandbox ${req.podSandboxId} not found`);
          return {};
        }
        await this.removeSandboxContainers(s.id, false);
        s.state = PodSandboxState.POD_SANDBOX_STATE_NOTREADY;
        return {};
      }),
      removePodSandbox: unary(async (req) => {
        if (!this.sandboxes.has(req.podSandboxId)) return {};
        await this.removeSandboxContainers(req.podSandboxId, true);
        this.sandboxes.delete(req.podSandboxId);
        return {};
      }),
      podSandboxStatus: unary((req) => {
        const s = this.listedSandbox(this.sandbox(req.podSandboxId));
        return { status: { ...s, netnsPath: "" } };
      }),
      listPodSandbox: unary((req) => {
        const f = req.filter;
        const items = [...this.sandboxes.values()]
          .filter((s) => f === undefined || f.id === "" || s.id === f.id)
          .filter(
            (s) =>
              f === undefined ||
              f.state === PodSandboxState.POD_SANDBOX_STATE_UNSPECIFIED ||
              s.state === f.state,
          )
          .map((s) => this.listedSandbox(s))
          .filter((s) => matches(s.labels, f?.labelSelector));
        return { items };
      }),
      createContainer: unary((req) => {
        const s = this.sandbox(req.podSandboxId);
        if (s.state !== PodSandboxState.POD_SANDBOX_STATE_READY)
          throw new RuntimeError(Code.FAILED_PRECONDITION, `sandbox ${s.id} is not ready`);
        const config = req.config;
        if (config?.metadata === undefined)
          throw new RuntimeError(Code.INVALID_ARGUMENT, "config.metadata: required");
        const image = config.image?.image ?? "";
        if (image === "") throw new RuntimeError(Code.INVALID_ARGUMENT, "config.image: required");
        if (!this.images.has(image))
          throw new RuntimeError(Code.NOT_FOUND, `image "${image}" not found`);
        const id = this.newId("container");
        this.containers.set(id, {
          id,
          sandboxId: s.id,
          config,
          createdAt: nowNs(),
          state: ContainerState.CONTAINER_STATE_CREATED,
          startedAt: 0,
          finishedAt: 0,
          exitCode: 0,
          reason: "",
          child: undefined,
          logs: [],
          listeners: new Set(),
          exited: Promise.resolve(),
        });
        return { containerId: id };
      }),
      startContainer: unary((req) => {
        const c = this.container(req.containerId);
        if (c.state !== ContainerState.CONTAINER_STATE_CREATED)
          throw new RuntimeError(Code.FAILED_PRECONDITION, `container ${c.id} is not CREATED`);
        this.start(c);
        return {};
      }),
      stopContainer: unary(async (req) => {
        const c = this.containers.get(req.containerId);
        if (c === undefined) {
          if (this.faults.has("stop-unknown-fails"))
            throw new RuntimeError(Code.NOT_FOUND, `container ${req.containerId} not found`);
          return {};
        }
        await this.stop(c, req.timeout);
        return {};
      }),
      removeContainer: unary(async (req) => {
        const c = this.containers.get(req.containerId);
        if (c === undefined) return {};
        await this.stop(c, 0);
        this.containers.delete(c.id);
        return {};
      }),
      listContainers: unary((req) => {
        const f = req.filter;
        const containers = [...this.containers.values()]
          .filter((c) => f === undefined || f.id === "" || c.id === f.id)
          .filter((c) => f === undefined || f.podSandboxId === "" || c.sandboxId === f.podSandboxId)
          .filter(
            (c) =>
              f === undefined ||
              f.state === ContainerState.CONTAINER_STATE_UNSPECIFIED ||
              c.state === f.state,
          )
          .map((c) => this.listedContainer(c))
          .filter((c) => matches(c.labels, f?.labelSelector));
        return { containers };
      }),
      containerStatus: unary((req) => ({
        status: this.containerStatus(this.container(req.containerId)),
      })),
      containerLogs: (call) => this.logs(call),
      execSync: unary(async (req) => {
        this.running(req.containerId);
        return this.execSync(req.cmd, req.timeout);
      }),
      exec: (call) => this.exec(call),
    };
  }

  private logs(call: ServerWritableStream<ContainerLogsRequest, ContainerLogsResponse>): void {
    const req = call.request;
    const c = this.containers.get(req.containerId);
    if (c === undefined) {
      call.emit("error", {
        code: Code.NOT_FOUND,
        details: `container ${req.containerId} not found`,
      });
      return;
    }
    let entries = c.logs.filter((e) => req.sinceTime === undefined || e.timestamp >= req.sinceTime);
    if (req.tailLines !== undefined)
      entries = req.tailLines === 0 ? [] : entries.slice(-req.tailLines);
    let sent = c.logs.length;
    if (entries.length > 0) call.write({ entries });
    if (!req.follow || c.state === ContainerState.CONTAINER_STATE_EXITED) {
      call.end();
      return;
    }
    const listener = (): void => {
      const fresh = c.logs.slice(sent);
      sent = c.logs.length;
      if (fresh.length > 0) call.write({ entries: fresh });
      if (c.state === ContainerState.CONTAINER_STATE_EXITED) {
        c.listeners.delete(listener);
        call.end();
      }
    };
    c.listeners.add(listener);
    call.on("cancelled", () => c.listeners.delete(listener));
  }

  private async execSync(cmd: readonly string[], timeoutSeconds: number) {
    const [file, ...args] = cmd;
    if (file === undefined) throw new RuntimeError(Code.INVALID_ARGUMENT, "cmd: required");
    const child = spawn(file, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.execs.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const exitCode = new Promise<number>((resolve) => {
      child.once("error", () => {
        err.push(Buffer.from(`sh: ${file}: not found\n`));
        resolve(127);
      });
      child.once("close", (code, signal) => resolve(exitCodeOf(code, signal)));
    });
    const timedOut =
      timeoutSeconds > 0
        ? await Promise.race([exitCode.then(() => false), delay(timeoutSeconds * 1000, true)])
        : false;
    if (timedOut) killGroup(child, "SIGKILL");
    const code = await exitCode;
    this.execs.delete(child);
    if (timedOut)
      throw new RuntimeError(Code.DEADLINE_EXCEEDED, `command timed out after ${timeoutSeconds} s`);
    return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: code };
  }

  private exec(call: ServerDuplexStream<ExecRequest, ExecResponse>): void {
    let child: ChildProcess | undefined;
    const fail = (code: Code, details: string): void => {
      call.emit("error", { code, details });
    };
    call.on("data", (message: ExecRequest) => {
      const r = message.request;
      if (child === undefined) {
        if (r?.$case !== "start")
          return fail(Code.INVALID_ARGUMENT, "request: start must come first");
        const start = r.value;
        const c = this.containers.get(start.containerId);
        if (c === undefined)
          return fail(Code.NOT_FOUND, `container ${start.containerId} not found`);
        if (c.state !== ContainerState.CONTAINER_STATE_RUNNING)
          return fail(Code.FAILED_PRECONDITION, `container ${c.id} is not running`);
        const [file, ...args] = start.cmd;
        if (file === undefined) return fail(Code.INVALID_ARGUMENT, "start.cmd: required");
        const proc = spawn(file, args, {
          detached: true,
          stdio: [start.stdin ? "pipe" : "ignore", "pipe", "pipe"],
        });
        child = proc;
        this.execs.add(proc);
        proc.stdout?.on("data", (b: Buffer) =>
          call.write({ response: { $case: "stdout", value: b } }),
        );
        proc.stderr?.on("data", (b: Buffer) =>
          call.write({ response: { $case: "stderr", value: b } }),
        );
        proc.once("error", () => {
          this.execs.delete(proc);
          call.write({
            response: { $case: "stderr", value: Buffer.from(`sh: ${file}: not found\n`) },
          });
          call.write({ response: { $case: "exit", value: { exitCode: 127 } } });
          call.end();
        });
        proc.once("close", (code, signal) => {
          this.execs.delete(proc);
          call.write({
            response: { $case: "exit", value: { exitCode: exitCodeOf(code, signal) } },
          });
          call.end();
        });
      } else if (r?.$case === "stdin") child.stdin?.write(r.value);
      else if (r?.$case === "closeStdin") child.stdin?.end();
    });
    call.on("cancelled", () => {
      if (child !== undefined) killGroup(child, "SIGKILL");
    });
  }

  private imageService(): ImageServiceServer {
    return {
      pullImage: unary((req) => {
        const ref = req.image?.image ?? "";
        if (ref === "" || ref.includes(".invalid/") || ref.includes("does-not-exist"))
          throw new RuntimeError(Code.NOT_FOUND, `image "${ref}" not found`);
        const id = `sha256:${createHash("sha256").update(ref).digest("hex")}`;
        this.images.set(ref, id);
        return { imageRef: id };
      }),
      imageStatus: unary((req) => {
        const ref = req.image?.image ?? "";
        const id = this.images.get(ref);
        return { image: id === undefined ? undefined : { id, repoTags: [ref], size: 0 } };
      }),
      listImages: unary(() => ({
        images: [...this.images].map(([ref, id]) => ({ id, repoTags: [ref], size: 0 })),
      })),
      removeImage: unary((req) => {
        this.images.delete(req.image?.image ?? "");
        return {};
      }),
    };
  }
}

function matches(
  labels: Record<string, string>,
  selector: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A unary handler from a function; RuntimeErrors become their status. */
function unary<Req, Res>(fn: (req: Req) => Res | Promise<Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    void Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (e: unknown) =>
          callback(
            e instanceof RuntimeError
              ? { code: e.code, details: e.message }
              : { code: Code.INTERNAL, details: e instanceof Error ? e.message : String(e) },
          ),
      );
  };
}
