// Where a pod's kubelet listens and a connection to it: the pod's node (spec.nodeName),
// that Node's InternalIP (else its Hostname) and status.daemonEndpoints.kubeletEndpoint
// port, and one cached gRPC client per kubelet address. A kubelet that does not answer is
// UNAVAILABLE, naming the node, without waiting out a long dial.
import { readFile } from "node:fs/promises";
import { connectivityState, credentials, Metadata } from "@grpc/grpc-js";
import { lookupKind, type KindInfo } from "@k8ts/sdk";
import { KubeletClient } from "@k8ts/sdk/gen/k8ts/kubelet/v1/kubelet.js";
import type { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import {
  FailedPreconditionError,
  NotFoundError,
  UnavailableError,
} from "../registry/api-errors.js";
import type { Registry } from "../registry/registry.js";

/** The kubelet client token file cannot be used. */
export class KubeletTokenFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KubeletTokenFileError";
  }
}

/** The token of --kubelet-client-token-file: its first non-blank line that is no comment. */
export async function readKubeletClientToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new KubeletTokenFileError(`cannot read the kubelet client token file ${path}`, {
      cause: e,
    });
  }
  const token = text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("#"));
  if (token === undefined)
    throw new KubeletTokenFileError(`the kubelet client token file ${path} holds no token`);
  return token;
}

/** A pod's kubelet, ready to call. */
export interface KubeletTarget {
  readonly pod: Pod;
  readonly nodeName: string;
  /** host:port */
  readonly address: string;
  readonly client: KubeletClient;
}

export interface KubeletConnectionOptions {
  /** Bearer token sent to kubelets; absent: no authorization header. */
  readonly token?: string | undefined;
  /** How long to wait for a connection to a kubelet (default 5 s). */
  readonly connectTimeoutMs?: number;
}

const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  // A restarted kubelet must be reachable again within seconds, not grpc-js's 2 minutes.
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 2_000,
} as const;

function kind(name: string): KindInfo {
  const k = lookupKind(name);
  if (k === undefined) throw new Error(`the model has no ${name} kind`);
  return k;
}

/** host:port of a Node's kubelet, or undefined when the Node publishes none. */
export function kubeletAddress(node: Node): string | undefined {
  const addresses = node.status?.addresses ?? [];
  const host =
    addresses.find((a) => a.type === "InternalIP" && a.address !== "")?.address ??
    addresses.find((a) => a.type === "Hostname" && a.address !== "")?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  if (host === undefined || port <= 0) return undefined;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export class KubeletConnections {
  private readonly clients = new Map<string, KubeletClient>();
  private readonly podKind = kind("Pod");
  private readonly nodeKind = kind("Node");

  constructor(
    private readonly registry: Registry,
    private readonly options: KubeletConnectionOptions = {},
  ) {}

  /** Metadata of every call to a kubelet. */
  metadata(): Metadata {
    const md = new Metadata();
    if (this.options.token !== undefined && this.options.token !== "")
      md.set("authorization", `Bearer ${this.options.token}`);
    return md;
  }

  /**
   * The connected kubelet of pod `namespace/name`. NotFoundError (no such pod),
   * FailedPreconditionError (not bound), UnavailableError (node gone, no endpoint, no answer).
   */
  async target(namespace: string, name: string): Promise<KubeletTarget> {
    const pod = (await this.registry.get(this.podKind, namespace, name, "")).object as Pod;
    const nodeName = pod.spec?.nodeName ?? "";
    if (nodeName === "")
      throw new FailedPreconditionError(`pod "${name}" is not scheduled to a node yet`);
    let node: Node;
    try {
      node = (await this.registry.get(this.nodeKind, "", nodeName, "")).object;
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      throw new UnavailableError(`node "${nodeName}" of pod "${name}" is not registered`);
    }
    const address = kubeletAddress(node);
    if (address === undefined)
      throw new UnavailableError(
        `node "${nodeName}" publishes no kubelet endpoint (status.addresses and status.daemonEndpoints.kubeletEndpoint)`,
      );
    const client = this.client(address);
    await this.connect(client, nodeName, address);
    return { pod, nodeName, address, client };
  }

  /** Closes every client; calls still open on them fail. */
  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(address: string): KubeletClient {
    let client = this.clients.get(address);
    if (client === undefined) {
      client = new KubeletClient(address, credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    return client;
  }

  /**
   * Waits until the channel is ready. A connection attempt that fails while we wait ends
   * the wait at once (refused, unreachable): the caller hears UNAVAILABLE in milliseconds.
   * A channel already backing off from an earlier failure gets one fresh attempt.
   */
  private connect(client: KubeletClient, nodeName: string, address: string): Promise<void> {
    const channel = client.getChannel();
    const deadline = Date.now() + (this.options.connectTimeoutMs ?? 5_000);
    const unreachable = (why: string): UnavailableError =>
      new UnavailableError(`cannot reach the kubelet of node "${nodeName}" at ${address}: ${why}`);
    return new Promise((resolve, reject) => {
      const step = (state: connectivityState, attempted: boolean): void => {
        if (state === connectivityState.READY) {
          resolve();
          return;
        }
        if (state === connectivityState.TRANSIENT_FAILURE && attempted) {
          reject(unreachable("connection failed"));
          return;
        }
        if (state === connectivityState.SHUTDOWN) {
          reject(unreachable("the connection was closed"));
          return;
        }
        channel.watchConnectivityState(state, deadline, (err?: Error) => {
          if (err !== undefined) {
            reject(unreachable("timed out connecting"));
            return;
          }
          const next = channel.getConnectivityState(true);
          // Any change seen from a state other than an old failure is a fresh attempt.
          step(next, attempted || state !== connectivityState.TRANSIENT_FAILURE);
        });
      };
      step(channel.getConnectivityState(true), false);
    });
  }
}
