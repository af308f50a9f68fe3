// Each kubelet lists every sandbox and container of its node every second, and nearly all
// of them are as they were the second before. So each record's message is built once per
// state it is in, and encoded once: a ListPodSandbox or ListContainers answer is the
// concatenation of its items' cached bytes (a repeated message field is just each item
// framed by its tag and length), not a fresh encoding of every item.
import {
  Container,
  PodSandbox,
  RuntimeServiceService,
  type ListContainersResponse,
  type ListPodSandboxResponse,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";

/** Messages built from records, rebuilt when the record's `version` changes. */
export class MessageCache<R extends object, M extends object> {
  private readonly built = new WeakMap<R, { version: unknown; message: M }>();

  constructor(
    private readonly build: (record: R) => M,
    private readonly version: (record: R) => unknown,
  ) {}

  /** The message of `record` as it is now; the same object while its version holds. */
  get(record: R): M {
    const version = this.version(record);
    const cached = this.built.get(record);
    if (cached !== undefined && cached.version === version) return cached.message;
    const message = this.build(record);
    this.built.set(record, { version, message });
    return message;
  }
}

/** RuntimeService, with the list answers encoded from their items' cached bytes. */
export const runtimeServiceDefinition: typeof RuntimeServiceService = {
  ...RuntimeServiceService,
  listPodSandbox: {
    ...RuntimeServiceService.listPodSandbox,
    responseSerialize: (value: ListPodSandboxResponse) =>
      encodeRepeated(value.items, podSandboxBytes),
  },
  listContainers: {
    ...RuntimeServiceService.listContainers,
    responseSerialize: (value: ListContainersResponse) =>
      encodeRepeated(value.containers, containerBytes),
  },
};

const podSandboxBytes = bytesCache((m: PodSandbox) => PodSandbox.encode(m).finish());
const containerBytes = bytesCache((m: Container) => Container.encode(m).finish());

/** The encoding of each message object, made once (messages from a MessageCache). */
function bytesCache<M extends object>(
  encode: (message: M) => Uint8Array,
): (message: M) => Uint8Array {
  const cache = new WeakMap<M, Uint8Array>();
  return (message) => {
    let bytes = cache.get(message);
    if (bytes === undefined) cache.set(message, (bytes = encode(message)));
    return bytes;
  };
}

/** A message whose only field is `items`, field number 1: each item tag, length, bytes. */
function encodeRepeated<M>(items: readonly M[], bytesOf: (item: M) => Uint8Array): Buffer {
  const encoded = items.map(bytesOf);
  let size = 0;
  for (const b of encoded) size += 1 + varintSize(b.length) + b.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const b of encoded) {
    out[at++] = FIELD_1_LENGTH_DELIMITED;
    for (let n = b.length; ; n >>>= 7) {
      if (n < 0x80) {
        out[at++] = n;
        break;
      }
      out[at++] = (n & 0x7f) | 0x80;
    }
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Tag of field 1 with wire type 2 (length-delimited). */
const FIELD_1_LENGTH_DELIMITED = (1 << 3) | 2;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}
