// Objects tests build often.
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";

/** A Service selecting app=<name> on port 80 -> 8080; NodePort when asked. */
export function webService(name: string, namespace: string, nodePort: boolean): Service {
  return Service.fromPartial({
    metadata: { name, namespace },
    spec: {
      type: nodePort ? "NodePort" : "ClusterIP",
      selector: { app: name },
      ports: [{ name: "http", port: 80, targetPort: { value: { $case: "intVal", value: 8080 } } }],
    },
  });
}

/** A small pod with a label per name. */
export function smallPod(name: string, namespace: string): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace, labels: { app: "crash" } },
    spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
  });
}
