// Script calls issued in one turn of the event loop go to Redis as one pipeline: one socket
// write for the turn instead of one per call, and Redis reads and runs them back to back
// (with `appendfsync always`, one fsync covers every write Redis ran in its loop
// iteration). Replies still arrive in the order Redis ran the calls, which the store's
// acknowledgements rely on. ioredis' own auto-pipelining was measured slower for scripts
// here; this batcher only groups what is already in flight.
//
// A call that Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH) is run again on its
// own with EVAL, which loads the script: NOSCRIPT means it did not run, so this is safe.
import type { Redis } from "ioredis";
import type { LuaScript } from "./lua-scripts.js";
import { redisErrorCode } from "./redis-replies.js";

interface Pending {
  readonly script: LuaScript;
  readonly keys: readonly string[];
  readonly args: readonly (string | Buffer | number)[];
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class ScriptBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Calls sent and pipelines used (metrics, tests). */
  readonly stats = { calls: 0, pipelines: 0 };

  constructor(private readonly redis: Redis) {}

  run(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | Buffer | number)[],
  ): Promise<unknown> {
    script.checkKeys(keys);
    return new Promise((resolve, reject) => {
      this.pending.push({ script, keys, args, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    this.stats.calls += batch.length;
    this.stats.pipelines++;
    if (batch.length === 1) {
      const only = batch[0];
      if (only !== undefined)
        only.script.run(this.redis, only.keys, only.args).then(only.resolve, only.reject);
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const p of batch)
      pipeline.callBuffer("EVALSHA", p.script.sha, p.keys.length, ...p.keys, ...p.args);
    pipeline.exec().then(
      (results) => {
        batch.forEach((p, i) => {
          const [error, reply] = results?.[i] ?? [new Error("no reply in the pipeline"), undefined];
          if (error === null) p.resolve(reply);
          else if (redisErrorCode(error) === "NOSCRIPT")
            p.script.run(this.redis, p.keys, p.args).then(p.resolve, p.reject);
          else p.reject(error);
        });
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  }
}
