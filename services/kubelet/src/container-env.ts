// A container's environment as Kubernetes builds it: each EnvVar in order, values from the
// Downward API (valueFrom.fieldRef) resolved against the pod, and $(VAR) references in
// values, command and args expanded against the variables defined before them ("$$"
// escapes a "$"; an undefined reference is left as written), exactly as kubelet's
// expansion.Expand does.
import type { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

export interface PodFieldValues {
  readonly podIP: string;
  readonly hostIP: string;
}

/** The value of a Downward API field path, or undefined for an unsupported path. */
export function podFieldValue(pod: Pod, path: string, values: PodFieldValues): string | undefined {
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "status.podIP":
      return values.podIP;
    case "status.hostIP":
      return values.hostIP;
    default: {
      const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
      if (label === null) return undefined;
      const map = label[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations;
      return map?.[label[2] ?? ""] ?? "";
    }
  }
}

/** Expands $(NAME) references in `input` from `vars`. */
export function expandReferences(input: string, vars: ReadonlyMap<string, string>): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== "$" || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i++;
      continue;
    }
    if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close !== -1) {
        const name = input.slice(i + 2, close);
        const value = vars.get(name);
        out += value ?? `$(${name})`;
        i = close;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

export interface ResolvedContainerEnv {
  /** Name/value pairs in spec order. */
  readonly env: { key: string; value: string }[];
  readonly command: string[];
  readonly args: string[];
}

/** The container's environment, command and args with every reference resolved. */
export function resolveContainerEnv(
  pod: Pod,
  container: Container,
  values: PodFieldValues,
): ResolvedContainerEnv {
  const vars = new Map<string, string>();
  const env: { key: string; value: string }[] = [];
  for (const e of container.env) {
    const path = e.valueFrom?.fieldRef?.fieldPath;
    const value =
      path !== undefined && path !== ""
        ? (podFieldValue(pod, path, values) ?? "")
        : expandReferences(e.value, vars);
    vars.set(e.name, value);
    env.push({ key: e.name, value });
  }
  return {
    env,
    command: container.command.map((c) => expandReferences(c, vars)),
    args: container.args.map((a) => expandReferences(a, vars)),
  };
}
