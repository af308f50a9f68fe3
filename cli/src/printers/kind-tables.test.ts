import { lookupKind, type KindInfo } from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Endpoints } from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";
import { Event } from "@k8ts/sdk/gen/k8ts/api/v1/event.js";
import { ContainerState, ContainerStatus } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { describe, expect, it } from "vitest";
import { formatEndpoints, servicePorts } from "./kind-tables.js";
import { podSummary } from "./pod-status.js";
import { TablePrinter } from "./table-printer.js";

const now = new Date("2024-05-01T12:00:00Z");
const minutesAgo = (n: number): Date => new Date(now.getTime() - n * 60_000);

function kind(name: string): KindInfo {
  const k = lookupKind(name);
  if (k === undefined) throw new Error(`no kind ${name}`);
  return k;
}

const table = (k: string, options: Partial<ConstructorParameters<typeof TablePrinter>[1]> = {}) =>
  new TablePrinter(kind(k), {
    wide: false,
    withNamespace: false,
    showLabels: false,
    noHeaders: false,
    kindPrefix: false,
    ...options,
  });

const running = (): ContainerState =>
  ContainerState.fromPartial({ state: { $case: "running", value: { startedAt: minutesAgo(5) } } });
const waiting = (reason: string): ContainerState =>
  ContainerState.fromPartial({ state: { $case: "waiting", value: { reason } } });
const terminated = (exitCode: number, finishedAt?: Date): ContainerState =>
  ContainerState.fromPartial({ state: { $case: "terminated", value: { exitCode, finishedAt } } });

function runningPod(name: string, restarts = 0): Pod {
  const pod = Pod.fromPartial({
    metadata: { name, namespace: "blog", creationTimestamp: minutesAgo(5) },
    spec: {
      nodeName: "node-1",
      containers: [
        { name: "web", image: "web:1" },
        { name: "log", image: "log:1" },
      ],
    },
    status: { phase: "Running", podIP: "10.244.0.5" },
  });
  const web = ContainerStatus.fromPartial({ name: "web", ready: true, restartCount: restarts });
  web.state = running();
  if (restarts > 0) web.lastState = terminated(1, minutesAgo(2));
  const log = ContainerStatus.fromPartial({ name: "log" });
  log.state = waiting("CrashLoopBackOff");
  if (pod.status !== undefined) pod.status.containerStatuses = [web, log];
  return pod;
}

describe("pod columns", () => {
  it("counts ready containers, takes the reason of a waiting one and the age of the last restart", () => {
    expect(podSummary(runningPod("web-1", 3), now)).toEqual({
      ready: "1/2",
      status: "CrashLoopBackOff",
      restarts: "3 (2m ago)",
    });
  });

  it("shows Terminating once deletion started, and init progress before that", () => {
    const deleting = Pod.fromPartial({
      ...runningPod("web-2"),
      metadata: { name: "web-2", deletionTimestamp: now },
    });
    expect(podSummary(deleting, now).status).toBe("Terminating");
    const initializing = Pod.fromPartial({
      metadata: { name: "web-3" },
      spec: { initContainers: [{ name: "a" }, { name: "b" }], containers: [{ name: "c" }] },
      status: { phase: "Pending" },
    });
    const a = ContainerStatus.fromPartial({ name: "a" });
    a.state = terminated(0);
    const b = ContainerStatus.fromPartial({ name: "b" });
    b.state = running();
    if (initializing.status !== undefined) initializing.status.initContainerStatuses = [a, b];
    expect(podSummary(initializing, now).status).toBe("Init:1/2");
  });

  it("prints kubectl's pod table, with IP and NODE when wide", () => {
    expect(table("pods", { wide: true }).print([runningPod("web-1")], now)).toBe(
      "NAME    READY   STATUS             RESTARTS   AGE   IP           NODE\n" +
        "web-1   1/2     CrashLoopBackOff   0          5m    10.244.0.5   node-1\n",
    );
  });
});

describe("other kinds", () => {
  it("deployments: READY is ready/desired, NAMESPACE first with -A", () => {
    const d = Deployment.fromPartial({
      metadata: { name: "blog", namespace: "blog", creationTimestamp: minutesAgo(3) },
      spec: { replicas: 2 },
      status: { readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
    });
    expect(table("deploy", { withNamespace: true }).print([d], now)).toBe(
      "NAMESPACE   NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n" +
        "blog        blog   1/2     2            1           3m\n",
    );
  });

  it("services: ports with node ports, <none> for missing values", () => {
    const svc = Service.fromPartial({
      metadata: { name: "web", creationTimestamp: minutesAgo(1) },
      spec: {
        type: "NodePort",
        clusterIP: "10.96.0.10",
        ports: [
          { port: 80, nodePort: 30080, protocol: "TCP" },
          { port: 53, protocol: "UDP" },
        ],
      },
    });
    expect(servicePorts(svc)).toBe("80:30080/TCP,53/UDP");
    expect(table("svc").print([svc], now)).toBe(
      "NAME   TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)               AGE\n" +
        "web    NodePort   10.96.0.10   <none>        80:30080/TCP,53/UDP   60s\n",
    );
  });

  it("endpoints: at most three, then how many more", () => {
    const ep = Endpoints.fromPartial({
      subsets: [
        {
          addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map((ip) => ({ ip })),
          ports: [{ port: 8080 }],
        },
      ],
    });
    expect(formatEndpoints(ep)).toBe("10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...");
    expect(formatEndpoints(Endpoints.fromPartial({}))).toBe("<none>");
  });

  it("events: LAST SEEN, TYPE, REASON, OBJECT as kind/name, MESSAGE", () => {
    const ev = Event.fromPartial({
      metadata: { name: "blog.1" },
      involvedObject: { kind: "Deployment", name: "blog" },
      reason: "ScalingReplicaSet",
      message: "Scaled up replica set blog-1 to 2\n",
      type: "Normal",
      lastTimestamp: minutesAgo(4),
    });
    expect(table("events").print([ev], now)).toBe(
      "LAST SEEN   TYPE     REASON              OBJECT            MESSAGE\n" +
        "4m          Normal   ScalingReplicaSet   deployment/blog   Scaled up replica set blog-1 to 2\n",
    );
  });

  it("names carry the kind when several kinds are printed", () => {
    const d = Deployment.fromPartial({ metadata: { name: "blog", creationTimestamp: now } });
    expect(table("deploy", { kindPrefix: true, noHeaders: true }).print([d], now)).toBe(
      "deployment.apps/blog   0/1   0     0     0s\n",
    );
  });
});
