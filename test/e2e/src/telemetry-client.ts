// A client process for the telemetry test, run as
//   node --import @k8ts/sdk/telemetry/register telemetry-client.js SERVER NAMESPACE
// It watches Namespaces, creates NAMESPACE inside a span (logging as it does), waits for
// its watch to see it and for the server to end the watch (timeoutSeconds: a stream that
// ends on the server's side is one a per-RPC span would have been reported for on both
// sides), then exits after flushing its spans.
import { ApiClient, createLogger, startTelemetry, withSpan } from "@k8ts/sdk";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";

const [server, name] = process.argv.slice(2);
if (server === undefined || name === undefined)
  throw new Error("usage: telemetry-client.js SERVER NAMESPACE");

// Already started by the register module: this returns its handle.
const telemetry = await startTelemetry({ serviceName: "k8ts-e2e-client" });
const log = createLogger({ component: "e2e-client" });
const client = new ApiClient({ server, deadlineMs: 10_000 });
const stop = new AbortController();

let sawStart: () => void = () => undefined;
const watching = new Promise<void>((resolve) => (sawStart = resolve));
let sawCreated: () => void = () => undefined;
const created = new Promise<void>((resolve) => (sawCreated = resolve));

const watch = (async () => {
  try {
    for await (const event of client
      .kind("Namespace")
      .watch({ signal: stop.signal, allowWatchBookmarks: true, timeoutSeconds: 4 })) {
      sawStart();
      if (event.type === "ADDED" && event.object.metadata?.name === name) sawCreated();
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  }
})();

const deadline = (what: string): Promise<never> =>
  new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`no ${what} in 10 s`)), 10_000).unref(),
  );

try {
  // The namespaces that exist (ADDED) or a bookmark: the stream is open.
  await Promise.race([watching, deadline("first watch event")]);
  await withSpan("create namespace", { "k8ts.namespace": name }, async () => {
    log.info({ namespace: name }, "creating namespace");
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name } }));
  });
  await Promise.race([created, deadline(`watch event for ${name}`)]);
  log.info({ namespace: name }, "watch saw the namespace");
  await Promise.race([watch, deadline("end of the watch")]);
} finally {
  stop.abort();
  await watch;
  client.close();
  await telemetry.shutdown();
}
