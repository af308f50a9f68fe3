// The ceiling of the apiserver benchmark: a bare grpc-js server with the apiserver's Pods
// service definition and nothing behind it, run as its own process like the apiserver.
//   - Create and Update echo the object back: the same messages through the same generated
//     codec and the same client code (`ApiClient`) as the apiserver, without registry, store
//     or cache.
//   - Watch streams what Create publishes: each ADDED event encoded once and written to the
//     streams whose namespace, label selector (one `key=value` term) and field selector
//     (`spec.nodeName=X`) match, found by a map lookup per combination (the cheapest
//     possible routing), after the initial-events-end BOOKMARK a watch starts with.
//   - /bench.RawEcho/Echo echoes bytes without any codec: the transport alone.
//
//   node bench/dist/apiserver/bare-pods-server.js [--listen 127.0.0.1:0]
// Reports {"ready":true,"addresses":[...]} on fd 3 and exits when that pipe closes.
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { passThroughDefinition } from "@k8ts/sdk";
import type { CreatePodRequest, UpdatePodRequest } from "@k8ts/sdk/gen/k8ts/api/v1/pod_service.js";
import { PodWatchEvent } from "@k8ts/sdk/gen/k8ts/api/v1/pod_service.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { WatchRequest } from "@k8ts/sdk/gen/k8ts/api/v1/requests.js";
import { parseArgs } from "node:util";
import { openParentLink } from "./parent-link.js";
import { RAW_ECHO_SERVICE } from "./raw-echo-service.js";
import { INITIAL_EVENTS_END_ANNOTATION } from "./watch-workload.js";

type Subscriber = ServerWritableStream<WatchRequest, Uint8Array>;

/** Streams by `namespace \n labelSelector \n fieldSelector`. */
class Subscribers {
  private readonly byKey = new Map<string, Set<Subscriber>>();
  size = 0;

  add(call: Subscriber): void {
    const r = call.request;
    const key = `${r.namespace}\n${r.labelSelector.trim()}\n${r.fieldSelector.trim()}`;
    let set = this.byKey.get(key);
    if (set === undefined) {
      set = new Set();
      this.byKey.set(key, set);
    }
    const subscribers = set;
    subscribers.add(call);
    this.size++;
    let removed = false;
    const remove = (): void => {
      if (removed) return;
      removed = true;
      subscribers.delete(call);
      this.size--;
    };
    call.on("cancelled", remove);
    call.on("close", remove);
    call.on("error", remove);
  }

  publish(pod: Pod): void {
    if (this.size === 0) return;
    const meta = pod.metadata;
    if (meta === undefined) return;
    let bytes: Uint8Array | undefined;
    const labels = ["", ...Object.entries(meta.labels).map(([k, v]) => `${k}=${v}`)];
    const fields = ["", `spec.nodeName=${pod.spec?.nodeName ?? ""}`];
    for (const namespace of ["", meta.namespace])
      for (const label of labels)
        for (const field of fields) {
          const set = this.byKey.get(`${namespace}\n${label}\n${field}`);
          if (set === undefined) continue;
          bytes ??= PodWatchEvent.encode({ type: "ADDED", object: pod }).finish();
          for (const call of set) call.write(bytes);
        }
  }

  endAll(): void {
    for (const set of this.byKey.values()) for (const call of set) call.end();
  }
}

function listenAddress(): string {
  const { values } = parseArgs({
    options: { listen: { type: "string", default: "127.0.0.1:0" } },
  });
  return values.listen;
}

async function main(): Promise<void> {
  const link = openParentLink();
  const subscribers = new Subscribers();
  const server = new Server();
  const initialEventsEnd = PodWatchEvent.encode({
    type: "BOOKMARK",
    object: {
      metadata: {
        name: "",
        generateName: "",
        namespace: "",
        uid: "",
        resourceVersion: "1",
        generation: 0,
        labels: {},
        annotations: { [INITIAL_EVENTS_END_ANNOTATION]: "true" },
        ownerReferences: [],
        finalizers: [],
        creationTimestamp: undefined,
        deletionTimestamp: undefined,
        deletionGracePeriodSeconds: undefined,
      },
    },
  }).finish();

  server.addService(passThroughDefinition("Pod"), {
    create: (call: ServerUnaryCall<CreatePodRequest, Pod>, callback: sendUnaryData<Pod>) => {
      const pod = call.request.object;
      if (pod !== undefined) subscribers.publish(pod);
      callback(null, pod);
    },
    update: (call: ServerUnaryCall<UpdatePodRequest, Pod>, callback: sendUnaryData<Pod>) => {
      callback(null, call.request.object);
    },
    watch: (call: Subscriber) => {
      subscribers.add(call);
      call.write(initialEventsEnd);
    },
  });
  server.addService(RAW_ECHO_SERVICE, {
    echo: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      callback(null, call.request);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listenAddress(), ServerCredentials.createInsecure(), (err, bound) =>
      err === null ? resolve(bound) : reject(err),
    ),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    subscribers.endAll();
    server.forceShutdown();
    link.close();
  };
  link.onGone(stop);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  link.send({ ready: true, addresses: [`127.0.0.1:${port}`] });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bare-pods-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
