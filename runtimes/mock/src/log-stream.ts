// ContainerLogs on the wire: the selected entries of a container's log, in batches, then
// (with follow) new entries as they come, until the log has ended and been sent, the
// caller cancels, or the plugin stops (UNAVAILABLE: the log did not end, the stream did).
// A slow reader is not buffered for: the stream waits for "drain" and reads on from the
// log, which keeps only the last entries (a reader that falls far behind skips some).
import { status, type ServerWritableStream } from "@grpc/grpc-js";
import type {
  ContainerLogsRequest,
  ContainerLogsResponse,
  LogEntry,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { ContainerLog, LogRecord } from "./container-log.js";
import { nsToUs, usToNs } from "./micros-clock.js";

const BATCH = 256;

export function streamContainerLog(
  call: ServerWritableStream<ContainerLogsRequest, ContainerLogsResponse>,
  log: ContainerLog,
  closing: AbortSignal,
): void {
  const { follow, tailLines, sinceTime } = call.request;
  let cursor = log.startSeq({
    tailLines,
    sinceUs: sinceTime === undefined ? undefined : nsToUs(sinceTime),
  });
  let done = false;
  let waitingForDrain = false;

  const finish = (error?: { code: status; details: string }): void => {
    if (done) return;
    done = true;
    unsubscribe();
    closing.removeEventListener("abort", onClosing);
    if (error === undefined) call.end();
    else call.emit("error", error);
  };
  const onClosing = (): void =>
    finish({ code: status.UNAVAILABLE, details: "the runtime plugin is shutting down" });
  const pump = (): void => {
    if (done || waitingForDrain) return;
    for (;;) {
      const batch = log.from(cursor, BATCH);
      const last = batch[batch.length - 1];
      if (last === undefined) break;
      cursor = last.seq + 1;
      if (!call.write({ entries: batch.map(toLogEntry) })) {
        waitingForDrain = true;
        call.once("drain", () => {
          waitingForDrain = false;
          pump();
        });
        return;
      }
    }
    if (!follow || log.hasEnded) finish();
  };

  const unsubscribe = log.subscribe(pump);
  call.on("cancelled", () => {
    done = true;
    unsubscribe();
    closing.removeEventListener("abort", onClosing);
  });
  if (closing.aborted) return onClosing();
  closing.addEventListener("abort", onClosing, { once: true });
  pump();
}

function toLogEntry(e: LogRecord): LogEntry {
  return {
    timestamp: usToNs(e.timeUs),
    stream: e.stream,
    content: Buffer.from(e.content),
    partial: e.partial,
  };
}
