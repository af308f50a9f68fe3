// Containers and pod templates in `describe`: image, ports, resources, probes,
// environment, and for running Pods each container's state, readiness and restarts.
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Probe,
} from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { PodSpec, PodTemplateSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { formatTime } from "../printers/time-format.js";
import { formatIntOrString } from "../printers/value-format.js";
import type { DescribeWriter } from "./describe-writer.js";
import { labelLines, annotationLines } from "./object-header.js";

/** "http-get http://:http/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
export function describeProbe(probe: Probe): string {
  const attrs =
    `delay=${probe.initialDelaySeconds ?? 0}s timeout=${probe.timeoutSeconds ?? 1}s ` +
    `period=${probe.periodSeconds ?? 10}s #success=${probe.successThreshold ?? 1} ` +
    `#failure=${probe.failureThreshold ?? 3}`;
  const h = probe.handler;
  switch (h?.$case) {
    case "exec":
      return `exec [${h.value.command.join(" ")}] ${attrs}`;
    case "httpGet": {
      const scheme = (h.value.scheme || "HTTP").toLowerCase();
      const port = formatIntOrString(h.value.port);
      const host = port === "" ? h.value.host : `${h.value.host}:${port}`;
      return `http-get ${scheme}://${host}${h.value.path} ${attrs}`;
    }
    case "tcpSocket":
      return `tcp-socket ${h.value.host}:${formatIntOrString(h.value.port)} ${attrs}`;
    case "grpc":
      return `grpc <pod>:${h.value.port} ${h.value.service ?? ""} ${attrs}`;
    default:
      return `unknown ${attrs}`;
  }
}

function describeState(
  w: DescribeWriter,
  level: number,
  label: string,
  state: ContainerState | undefined,
): void {
  const s = state?.state;
  switch (s?.$case) {
    case "running":
      w.line(level, `${label}:`, "Running");
      w.line(level + 1, "Started:", formatTime(s.value.startedAt));
      return;
    case "waiting":
      w.line(level, `${label}:`, "Waiting");
      if (s.value.reason !== "") w.line(level + 1, "Reason:", s.value.reason);
      if (s.value.message !== "") w.line(level + 1, "Message:", s.value.message);
      return;
    case "terminated":
      w.line(level, `${label}:`, "Terminated");
      if (s.value.reason !== "") w.line(level + 1, "Reason:", s.value.reason);
      if (s.value.message !== "") w.line(level + 1, "Message:", s.value.message);
      w.line(level + 1, "Exit Code:", String(s.value.exitCode));
      if (s.value.signal !== 0) w.line(level + 1, "Signal:", String(s.value.signal));
      w.line(level + 1, "Started:", formatTime(s.value.startedAt));
      w.line(level + 1, "Finished:", formatTime(s.value.finishedAt));
      return;
    default:
      w.line(level, `${label}:`, "Waiting");
  }
}

function describeContainer(
  w: DescribeWriter,
  level: number,
  c: Container,
  status: ContainerStatus | undefined,
): void {
  w.line(level, `${c.name}:`);
  const l = level + 1;
  if (status !== undefined && status.containerID !== "")
    w.line(l, "Container ID:", status.containerID);
  w.line(l, "Image:", c.image);
  if (status !== undefined && status.imageID !== "") w.line(l, "Image ID:", status.imageID);
  if (c.ports.length === 0) w.line(l, "Port:", "<none>");
  for (const p of c.ports) {
    const protocol = p.protocol || "TCP";
    w.line(l, "Port:", `${p.containerPort}/${protocol}${p.name === "" ? "" : ` (${p.name})`}`);
    if (p.hostPort !== undefined) w.line(l, "Host Port:", `${p.hostPort}/${protocol}`);
  }
  if (c.command.length > 0) w.list(l, "Command:", c.command);
  if (c.args.length > 0) w.list(l, "Args:", c.args);
  if (status !== undefined) {
    describeState(w, l, "State", status.state);
    if (status.lastState?.state !== undefined) describeState(w, l, "Last State", status.lastState);
    w.line(l, "Ready:", status.ready ? "True" : "False");
    w.line(l, "Restart Count:", String(status.restartCount));
  }
  for (const [label, values] of [
    ["Limits:", c.resources?.limits ?? {}],
    ["Requests:", c.resources?.requests ?? {}],
  ] as const) {
    const keys = Object.keys(values).sort();
    if (keys.length === 0) continue;
    w.line(l, label);
    for (const k of keys) w.line(l + 1, `${k}:`, values[k]?.string ?? "");
  }
  if (c.livenessProbe !== undefined) w.line(l, "Liveness:", describeProbe(c.livenessProbe));
  if (c.readinessProbe !== undefined) w.line(l, "Readiness:", describeProbe(c.readinessProbe));
  if (c.startupProbe !== undefined) w.line(l, "Startup:", describeProbe(c.startupProbe));
  if (c.env.length === 0) w.line(l, "Environment:", "<none>");
  else {
    w.line(l, "Environment:");
    for (const e of c.env) {
      const ref = e.valueFrom?.fieldRef;
      w.line(
        l + 1,
        `${e.name}:`,
        ref === undefined ? e.value : `(${ref.apiVersion || "v1"}:${ref.fieldPath})`,
      );
    }
  }
}

/** `Containers:` (and `Init Containers:`) of a pod spec, with statuses when given. */
export function describeContainers(
  w: DescribeWriter,
  level: number,
  spec: PodSpec | undefined,
  statuses: { init: readonly ContainerStatus[]; main: readonly ContainerStatus[] } | undefined,
): void {
  const init = spec?.initContainers ?? [];
  if (init.length > 0) {
    w.line(level, "Init Containers:");
    for (const c of init)
      describeContainer(
        w,
        level + 1,
        c,
        statuses?.init.find((s) => s.name === c.name),
      );
  }
  w.line(level, "Containers:");
  for (const c of spec?.containers ?? [])
    describeContainer(
      w,
      level + 1,
      c,
      statuses?.main.find((s) => s.name === c.name),
    );
}

export function describeScheduling(
  w: DescribeWriter,
  level: number,
  spec: PodSpec | undefined,
): void {
  const selector = Object.keys(spec?.nodeSelector ?? {})
    .sort()
    .map((k) => `${k}=${spec?.nodeSelector[k] ?? ""}`);
  w.line(level, "Node-Selectors:", selector.length === 0 ? "<none>" : selector.join(","));
  const tolerations = (spec?.tolerations ?? []).map((t) => {
    let text = t.key;
    if (t.value !== "") text += `=${t.value}`;
    if (t.effect !== "") text += `:${t.effect}`;
    // `operator: Exists` alone tolerates everything.
    if (t.operator === "Exists" && t.value === "") text += text === "" ? "op=Exists" : " op=Exists";
    if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
    return text;
  });
  w.list(level, "Tolerations:", tolerations);
}

/** `Pod Template:` of Deployments and ReplicaSets. */
export function describePodTemplate(
  w: DescribeWriter,
  template: PodTemplateSpec | undefined,
): void {
  w.line(0, "Pod Template:");
  w.list(1, "Labels:", labelLines(template?.metadata?.labels));
  const annotations = annotationLines(template?.metadata?.annotations);
  if (annotations.length > 0) w.list(1, "Annotations:", annotations);
  describeContainers(w, 1, template?.spec, undefined);
  describeScheduling(w, 1, template?.spec);
}
