// Which port of a Pod a Service port forwards to, as Kubernetes' FindPort decides it: a
// number is used as is; a name is looked up among the Pod's containers' named ports of
// the same protocol. A Pod without that named port has no endpoint for the Service port.
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ServicePort } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";

/** The protocol a port means when it names none. */
export function protocolOf(protocol: string): string {
  return protocol === "" ? "TCP" : protocol;
}

/** The Pod's port behind `servicePort`, or undefined when the Pod lacks the named port. */
export function resolveTargetPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort?.value;
  if (target === undefined) return servicePort.port;
  if (target.$case === "intVal") return target.value === 0 ? servicePort.port : target.value;
  const protocol = protocolOf(servicePort.protocol);
  for (const container of pod.spec?.containers ?? [])
    for (const port of container.ports)
      if (port.name === target.value && protocolOf(port.protocol) === protocol)
        return port.containerPort;
  return undefined;
}
