// What survives the mock runtime's process: a restarted plugin adopts every sandbox and
// container with its labels, states, exit codes and logs; containers "kept running" while
// it was down, and those due to exit meanwhile exited at the right time. Plus what ties
// a plugin to its node and its socket, and how the state dir is laid out.
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { join } from "node:path";
import { ComponentProcess, waitFor } from "@k8ts/sdk";
import { ContainerState, PodSandboxState } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  containerConfig,
  lines,
  MAIN,
  MockPlugin,
  readLog,
  sandboxConfig,
  sh,
} from "./mock-plugin.js";

const plugins: MockPlugin[] = [];

async function start(nodeName = "node-a"): Promise<MockPlugin> {
  const p = await MockPlugin.start(nodeName);
  plugins.push(p);
  await p.client.pullImage("busybox:latest");
  return p;
}

afterEach(async () => {
  for (const p of plugins.splice(0)) await p.dispose();
});

describe("restart", () => {
  it("adopts sandboxes and containers with labels, states, exit codes and logs", async () => {
    const p = await start();
    const config = sandboxConfig("web", { "k8ts.io/pod-uid": "u1" }, { "k8ts.io/spec": "h1" });
    const sandboxId = await p.client.runPodSandbox(config);
    const create = async (name: string, command: string[]): Promise<string> => {
      const id = await p.client.createContainer(
        sandboxId,
        containerConfig(name, command, {
          labels: { "k8ts.io/container": name },
          annotations: { "k8ts.io/restart-count": "2" },
        }),
        config,
      );
      await p.client.startContainer(id);
      return id;
    };
    const runs = await create("runs", sh("echo hello; sleep 3600"));
    const done = await create("done", sh("echo bye >&2; exit 3"));
    const due = await create("due", sh("echo before; sleep 0.5; echo after; exit 5"));
    const ticks = await create("ticks", sh("while true; do echo tick; sleep 0.1; done"));
    const created = await p.client.createContainer(
      sandboxId,
      containerConfig("created", ["true"]),
      config,
    );
    await waitFor("done to exit", async () =>
      (await p.client.containerStatus(done)).state === ContainerState.CONTAINER_STATE_EXITED
        ? true
        : undefined,
    );
    const before = await p.client.listContainers();

    await p.restart();

    expect((await p.client.listPodSandbox()).map((s) => [s.id, s.labels, s.annotations])).toEqual([
      [sandboxId, config.labels, config.annotations],
    ]);
    const after = await p.client.listContainers();
    expect(after.map((c) => [c.id, c.labels, c.annotations, c.createdAt])).toEqual(
      before.map((c) => [c.id, c.labels, c.annotations, c.createdAt]),
    );
    expect((await p.client.containerStatus(runs)).state).toBe(
      ContainerState.CONTAINER_STATE_RUNNING,
    );
    expect(lines(await readLog(p.client, runs))).toEqual(["stdout hello"]);
    expect(await p.client.containerStatus(done)).toMatchObject({
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 3,
      reason: "Error",
    });
    expect(lines(await readLog(p.client, done))).toEqual(["stderr bye"]);
    expect((await p.client.containerStatus(created)).state).toBe(
      ContainerState.CONTAINER_STATE_CREATED,
    );

    // Due to exit 0.5 s after it started, whether that fell before or after the restart.
    const dueStatus = await waitFor("due to exit", async () => {
      const s = await p.client.containerStatus(due);
      return s.state === ContainerState.CONTAINER_STATE_EXITED ? s : undefined;
    });
    expect(dueStatus.exitCode).toBe(5);
    expect(Math.round((dueStatus.finishedAt - dueStatus.startedAt) / 1e6)).toBe(500);
    expect(lines(await readLog(p.client, due))).toEqual(["stdout before", "stdout after"]);

    // The loop ticked on while the plugin was down: one line per 100 ms, no gap.
    const tickLog = await waitFor("ticks after the restart", async () => {
      const entries = await readLog(p.client, ticks);
      const last = entries[entries.length - 1];
      return last !== undefined && last.timestamp > Date.now() * 1e6 - 300e6 ? entries : undefined;
    });
    for (let i = 1; i < tickLog.length; i++)
      expect(
        Math.round(((tickLog[i]?.timestamp ?? 0) - (tickLog[i - 1]?.timestamp ?? 0)) / 1e6),
      ).toBe(100);

    // Adopted containers are live: they stop, and the log ends.
    await p.client.stopContainer(runs, 5);
    expect((await p.client.containerStatus(runs)).exitCode).toBe(143);
  });

  it("keeps what it answered when killed right after answering", async () => {
    const p = await start();
    const config = sandboxConfig("crash");
    const sandboxId = await p.client.runPodSandbox(config);
    const id = await p.client.createContainer(
      sandboxId,
      containerConfig("c", sh("sleep 3600")),
      config,
    );
    await p.client.startContainer(id);
    await p.process.kill();
    await p.restart();
    expect((await p.client.containerStatus(id)).state).toBe(ContainerState.CONTAINER_STATE_RUNNING);
  });

  it("turns a pending stop into a kill at its deadline, across a restart", async () => {
    const p = await start();
    const config = sandboxConfig("trap");
    const sandboxId = await p.client.runPodSandbox(config);
    const id = await p.client.createContainer(
      sandboxId,
      containerConfig("c", sh('trap "" TERM; sleep 3600')),
      config,
    );
    await p.client.startContainer(id);
    const stopping = p.client.stopContainer(id, 1).catch((e: unknown) => e);
    await waitFor("the stop to be saved", async () => {
      const state = await readFile(join(p.stateDir, "state.jsonl"), "utf8");
      return state.includes('"killUs"') ? true : undefined;
    });
    await p.restart();
    await stopping;
    const s = await waitFor("the kill", async () => {
      const st = await p.client.containerStatus(id);
      return st.state === ContainerState.CONTAINER_STATE_EXITED ? st : undefined;
    });
    expect(s.exitCode).toBe(137);
  });
});

describe("state files", () => {
  /** The journal's lines: the header, then one change each. */
  async function journal(p: MockPlugin): Promise<Array<Record<string, { id?: string }>>> {
    const text = await readFile(join(p.stateDir, "state.jsonl"), "utf8");
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, { id?: string }>);
  }
  const kinds = (lines: Array<Record<string, unknown>>): string[] =>
    lines.map((l) => Object.keys(l).join());

  it("appends each change to the journal, and starts from a snapshot of it", async () => {
    const p = await start();
    const config = sandboxConfig("files");
    const sandboxId = await p.client.runPodSandbox(config);
    const id = await p.client.createContainer(
      sandboxId,
      containerConfig("c", sh("echo hello; sleep 3600")),
      config,
    );
    await p.client.startContainer(id);
    expect(kinds(await journal(p))).toEqual([
      "version,nodeName",
      "image",
      "sandbox",
      "container",
      "container",
    ]);
    expect(await readdir(join(p.stateDir, "logs"))).toEqual([`${id}.log`]);

    await p.client.removePodSandbox(sandboxId);
    expect(kinds((await journal(p)).slice(-2))).toEqual(["removeContainer", "removeSandbox"]);
    expect(await readdir(join(p.stateDir, "logs"))).toEqual([]);

    await p.restart();
    expect(kinds(await journal(p))).toEqual(["version,nodeName", "image"]);
  });

  it("migrates a state.json of the previous layout (one file for everything)", async () => {
    const p = await start();
    const config = sandboxConfig("old", { "k8ts.io/pod-uid": "u-old" });
    const sandboxId = await p.client.runPodSandbox(config);
    const id = await p.client.createContainer(
      sandboxId,
      containerConfig("c", sh("echo hello; sleep 3600")),
      config,
    );
    await p.client.startContainer(id);
    await p.client.stopPodSandbox(sandboxId);
    await p.process.stop();
    // Rewrite the state as the previous version kept it; logs/ stays as it was.
    const changes = await journal(p);
    const latest = (kind: string): unknown[] => [
      ...new Map(
        changes.flatMap((l) => (l[kind] === undefined ? [] : [[l[kind].id, l[kind]]])),
      ).values(),
    ];
    const legacy = {
      version: 1,
      nodeName: p.nodeName,
      sandboxes: latest("sandbox"),
      containers: latest("container"),
      images: latest("image"),
    };
    await rm(join(p.stateDir, "state.jsonl"));
    await writeFile(join(p.stateDir, "state.json"), JSON.stringify(legacy));

    await p.restart();

    expect((await p.client.listPodSandbox()).map((s) => [s.id, s.state, s.labels])).toEqual([
      [sandboxId, PodSandboxState.POD_SANDBOX_STATE_NOTREADY, config.labels],
    ]);
    expect(await p.client.containerStatus(id)).toMatchObject({
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 137,
    });
    expect(lines(await readLog(p.client, id))).toEqual(["stdout hello"]);
    expect((await p.client.listImages()).map((i) => i.repoTags)).toEqual([["busybox:latest"]]);
    const names = await readdir(p.stateDir);
    expect(names).not.toContain("state.json");
    expect(kinds(await journal(p))).toEqual(["version,nodeName", "sandbox", "container", "image"]);
  });
});

describe("one node per plugin", () => {
  it("keeps two nodes apart and refuses another node's state dir", async () => {
    const a = await start("node-a");
    const b = await start("node-b");
    const sandboxId = await a.client.runPodSandbox(sandboxConfig("only-a"));
    expect(await b.client.listPodSandbox()).toEqual([]);
    await expect(b.client.podSandboxStatus(sandboxId)).rejects.toMatchObject({ code: 5 });
    expect((await b.client.version()).nodeName).toBe("node-b");

    await expect(
      ComponentProcess.start({
        main: MAIN,
        name: "runtime-mock",
        args: [
          "--node-name",
          "node-b",
          "--socket",
          `unix://${b.dir}/other.sock`,
          "--state-dir",
          a.stateDir,
        ],
      }),
    ).rejects.toThrow(/belongs to node "node-a"/);
  });

  it("refuses a socket another instance serves on", async () => {
    const a = await start("node-a");
    await expect(
      ComponentProcess.start({
        main: MAIN,
        name: "runtime-mock",
        args: ["--node-name", "node-a", "--socket", a.socket, "--state-dir", `${a.dir}/other`],
      }),
    ).rejects.toThrow(/another process is serving/);
  });

  it("exits when its supervisor's pipe closes", async () => {
    const a = await start("node-a");
    const exited = new Promise<number | null>((resolve) =>
      a.process.child.once("exit", (code) => resolve(code)),
    );
    (a.process.child.stdio[3] as Socket).destroy();
    expect(await exited).toBe(0);
  });
});
