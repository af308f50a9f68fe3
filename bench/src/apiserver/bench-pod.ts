// The object every apiserver benchmark writes: a Pod of about 1 KB on the wire, with a
// few labels and annotations, as a small real workload would create. Write time travels
// in an annotation so that a watcher in another process can compute delivery latency.
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

/** Wall time (ms) from the monotonic clock: comparable across processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export const SENT_AT_ANNOTATION = "bench/sent-at";
export const WARMUP_ANNOTATION = "bench/warmup";
export const SEQUENCE_ANNOTATION = "bench/seq";

export interface PodPlacement {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Bound at creation (bypassing the scheduler), as a kubelet's watch selects. */
  readonly nodeName?: string;
}

// Padding in an annotation brings the request to about 1 KB (see encodedSize in the
// results): what a Pod with a couple of containers, env and resources weighs in protobuf.
const NOTE = "benchmark object; ".repeat(26);

export function benchPod(placement: PodPlacement, annotations: Record<string, string> = {}): Pod {
  return Pod.fromPartial({
    metadata: {
      namespace: placement.namespace,
      name: placement.name,
      labels: { release: "bench-2026-11", team: "platform", ...placement.labels },
      annotations: {
        "bench/owner": "bench/src/apiserver",
        "bench/note": NOTE,
        [SEQUENCE_ANNOTATION]: "0",
        ...annotations,
      },
    },
    spec: {
      nodeName: placement.nodeName ?? "",
      containers: [
        {
          name: "main",
          image: "registry.local/bench/app:1.4.2",
          command: ["/usr/local/bin/app"],
          args: ["--listen=:8080", "--log-level=info", "--metrics=:9090"],
          ports: [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "metrics", containerPort: 9090, protocol: "TCP" },
          ],
          env: [
            { name: "MODE", value: "benchmark" },
            { name: "REGION", value: "local-1" },
            { name: "CACHE_SIZE", value: "64" },
          ],
          resources: {
            requests: { cpu: { string: "100m" }, memory: { string: "64Mi" } },
            limits: { cpu: { string: "500m" }, memory: { string: "128Mi" } },
          },
        },
        {
          name: "sidecar",
          image: "registry.local/bench/proxy:2.0.1",
          args: ["--upstream=127.0.0.1:8080"],
          ports: [{ name: "proxy", containerPort: 15001, protocol: "TCP" }],
        },
      ],
    },
  });
}

/** Size of an object on the wire (its protobuf encoding). */
export function encodedSize(pod: Pod): number {
  return Pod.encode(pod).finish().length;
}
