// Preloaded with `node --import @k8ts/sdk/telemetry/register main.js`: starts tracing
// before the component's modules are loaded. Under ESM, @grpc/grpc-js is imported, not
// required, so instrumentation-grpc can patch it only through the loader hook registered
// here, and only for imports that happen after it; hence a preload, not a call in main.
//
// Without an OTLP endpoint this does nothing else: no hook, no SDK loaded.
import { tracingSettings } from "./tracing-settings.js";

const settings = tracingSettings(process.env);
// Also when misconfigured, so that the process says why it is not tracing. Everything
// else is imported only here: the common case (no endpoint) loads this file and the
// settings, nothing more.
if (settings.enabled || settings.problem !== undefined) {
  const { noteLoaderHookRegistered, startTelemetry } = await import("./start-telemetry.js");
  const { serviceIdentity } = await import("./service-identity.js");
  if (settings.enabled) {
    const { register } = await import("node:module");
    // Hook only the module that is instrumented: every other import stays untouched.
    register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, {
      data: { include: ["@grpc/grpc-js"] },
    });
    noteLoaderHookRegistered();
  }
  await startTelemetry(serviceIdentity(process.argv[1]));
}
