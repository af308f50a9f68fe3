// Writes PodScheduled=False (reason, message) on pods the scheduler could not place, in
// the background: one write at a time per pod, later requests for the same pod replacing
// earlier ones that have not started, nothing written when the pod already says the same
// thing, and a conflict answered by reading the pod again.
import {
  ApiStatusError,
  type ApiClient,
  type KindClient,
  type Lister,
  type Logger,
} from "@k8ts/sdk";
import { Pod, PodCondition } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

export const POD_SCHEDULED = "PodScheduled";

interface Desired {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly reason: string;
  readonly message: string;
}

const MAX_ATTEMPTS = 3;

export class PodConditionWriter {
  private readonly pods: KindClient<Pod>;
  private readonly desired = new Map<string, Desired>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    client: ApiClient,
    private readonly lister: Lister<Pod>,
    private readonly log: Logger,
  ) {
    this.pods = client.kind("Pod");
  }

  /** Records that `pod` should say PodScheduled=False with `reason` and `message`. */
  set(pod: Pick<Desired, "uid" | "namespace" | "name">, reason: string, message: string): void {
    const key = `${pod.namespace}/${pod.name}`;
    this.desired.set(key, { ...pod, reason, message });
    if (this.running.has(key)) return;
    const run: Promise<void> = this.drain(key).finally(() => this.running.delete(key));
    this.running.set(key, run);
  }

  /** Waits for every write requested so far. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async drain(key: string): Promise<void> {
    for (;;) {
      const want = this.desired.get(key);
      if (want === undefined) return;
      this.desired.delete(key);
      try {
        await this.write(want);
      } catch (err) {
        this.log.warn({ err, pod: key }, "could not update the PodScheduled condition");
      }
    }
  }

  private async write(want: Desired): Promise<void> {
    let pod = this.lister.get(want.namespace, want.name);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (
        pod === undefined ||
        pod.metadata?.uid !== want.uid ||
        (pod.spec?.nodeName ?? "") !== "" ||
        pod.metadata.deletionTimestamp !== undefined
      )
        return; // gone, replaced or bound meanwhile: nothing to say
      const conditions = pod.status?.conditions ?? [];
      const current = conditions.find((c) => c.type === POD_SCHEDULED);
      if (
        current?.status === "False" &&
        current.reason === want.reason &&
        current.message === want.message
      )
        return;
      const condition = PodCondition.fromPartial({
        type: POD_SCHEDULED,
        status: "False",
        reason: want.reason,
        message: want.message,
        lastTransitionTime:
          current?.status === "False" ? (current.lastTransitionTime ?? new Date()) : new Date(),
      });
      const next = Pod.fromPartial({
        ...pod,
        status: {
          ...pod.status,
          conditions: [...conditions.filter((c) => c.type !== POD_SCHEDULED), condition],
        },
      });
      try {
        await this.pods.updateStatus(next);
        return;
      } catch (e) {
        if (!(e instanceof ApiStatusError)) throw e;
        if (e.isNotFound) return;
        if (!e.isConflict || attempt === MAX_ATTEMPTS) throw e;
        pod = await this.pods
          .get(want.name, { namespace: want.namespace })
          .catch((err: unknown) => {
            if (err instanceof ApiStatusError && err.isNotFound) return undefined;
            throw err;
          });
      }
    }
  }
}
