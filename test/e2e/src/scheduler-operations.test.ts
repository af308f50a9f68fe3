// The scheduler as an executable: --help lists every flag with its environment variable,
// a bad flag exits 2, /healthz and /statusz answer, SIGTERM and the closing of the
// supervisor's pipe both end it cleanly.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, waitFor } from "@k8ts/sdk";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import { createNodes, schedNode } from "./scheduling-objects.js";

const MAIN = fileURLToPath(import.meta.resolve("@k8ts/scheduler/main"));
const run = promisify(execFile);

let api: ApiServerProcess;
let client: ApiClient;

beforeAll(async () => {
  api = await ApiServerProcess.start();
  client = new ApiClient({ server: api.address });
});

afterAll(async () => {
  client.close();
  await api.dispose();
});

describe("k8ts-scheduler", () => {
  it("prints its flags with their environment variables", async () => {
    const { stdout } = await run(process.execPath, [MAIN, "--help"]);
    for (const flag of [
      "--server",
      "--token",
      "--leader-elect",
      "--lease-duration",
      "--renew-deadline",
      "--retry-period",
      "--pod-initial-backoff",
      "--pod-max-backoff",
      "--percentage-of-nodes-to-score",
      "--scheduler-name",
      "--status-listen",
      "--ready-fd",
      "--log-level",
      "--help",
    ])
      expect(stdout).toContain(flag);
    expect(stdout).toContain("[$K8TS_LEADER_ELECT]");
  });

  it("refuses bad flags with exit code 2", async () => {
    for (const args of [
      ["--percentage-of-nodes-to-score", "101"],
      ["--leader-elect", "maybe"],
      ["--lease-duration", "1s", "--renew-deadline", "2s"],
      ["--no-such-flag"],
    ]) {
      const failed = await run(process.execPath, [MAIN, ...args]).then(
        () => undefined,
        (e: { code?: number; stderr?: string }) => e,
      );
      expect(failed?.code, args.join(" ")).toBe(2);
      expect(failed?.stderr).toMatch(/^k8ts-scheduler: /);
    }
  });

  it("serves /healthz and /statusz, and stops on SIGTERM with exit code 0", async () => {
    await createNodes(client, [schedNode("ops-1")]);
    const scheduler = await SchedulerProcess.start({ server: api.address });
    try {
      const health = await fetch(`http://${scheduler.statusAddress}/healthz`);
      expect(health.status).toBe(200);
      const status = await waitFor("the scheduler to lead", async () => {
        const s = await scheduler.status();
        return s.leading ? s : undefined;
      });
      expect(status).toMatchObject({
        identity: scheduler.identity,
        synced: true,
        nodes: ["ops-1"],
      });
      expect((await fetch(`http://${scheduler.statusAddress}/nope`)).status).toBe(404);
      expect(await scheduler.stop()).toBe(0);
      // A graceful stop released the Lease.
      const lease = await client.kind("Lease").get("k8ts-scheduler", { namespace: "kube-system" });
      expect(lease.spec?.holderIdentity ?? "").toBe("");
    } finally {
      await scheduler.dispose();
    }
  });

  it("exits when its supervisor's pipe closes", async () => {
    const scheduler = await SchedulerProcess.start({ server: api.address });
    try {
      const exited = new Promise<number | null>((resolve) =>
        scheduler.child.once("exit", (code) => resolve(code)),
      );
      scheduler.child.stdio[3]?.destroy();
      expect(await exited).toBe(0);
    } finally {
      await scheduler.dispose();
    }
  });
});
