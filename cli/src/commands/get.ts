// `k8ts get KIND [NAME...]`: tables with kubectl's columns, or the objects as YAML/JSON
// (through the codec, so they apply again unchanged), and `-w` to follow changes.
import { ApiStatusError, parseLabelSelector, type EncodableObject, type KindInfo } from "@k8ts/sdk";
import { InvalidArgumentError, Option, type Command } from "commander";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { listAll } from "../kinds/list-all.js";
import { parseResourceArgs, type ResourceRequest } from "../kinds/resource-args.js";
import { kindClient, type ApiObject } from "../kinds/resource-names.js";
import { eventTime } from "../printers/kind-tables.js";
import { formatNames, formatObjects } from "../printers/object-output.js";
import { TablePrinter } from "../printers/table-printer.js";
import { Session } from "../session.js";
import { globalFlags } from "./command-options.js";

type OutputFormat = "table" | "wide" | "json" | "yaml" | "name";

interface GetOptions {
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  output?: OutputFormat;
  watch?: boolean;
  watchOnly?: boolean;
  showLabels?: boolean;
  headers?: boolean;
}

function outputOption(): Option {
  return new Option("-o, --output <format>", "wide, json, yaml or name").argParser(
    (value: string): OutputFormat => {
      if (value === "wide" || value === "json" || value === "yaml" || value === "name")
        return value;
      throw new InvalidArgumentError('must be one of "wide", "json", "yaml", "name"');
    },
  );
}

export function registerGet(program: Command, io: CliIo): void {
  program
    .command("get")
    .description("Display one or many objects")
    .argument("<resources...>", "KIND [NAME...], KIND,KIND..., or KIND/NAME...")
    .option("-A, --all-namespaces", "list across all namespaces")
    .option("-l, --selector <selector>", "label selector, e.g. app=web,tier!=db")
    .option("--field-selector <selector>", "field selector, e.g. metadata.name=web")
    .addOption(outputOption())
    .option("-w, --watch", "after listing, print a row for every change")
    .option("--watch-only", "print a row for every change, without listing first")
    .option("--show-labels", "add a LABELS column")
    .option("--no-headers", "omit the header row")
    .addHelpText(
      "after",
      `
Examples:
  k8ts get pods -n blog
  k8ts get deploy,svc -A
  k8ts get deploy blog -n blog -o yaml
  k8ts get pods -l app=blog -o wide
  k8ts get ns -w`,
    )
    .action(async (args: string[], options: GetOptions, cmd: Command) => {
      const requests = parseResourceArgs(args);
      if (options.selector !== undefined) parseLabelSelector(options.selector);
      await Session.with(globalFlags(cmd), io, (session) =>
        options.watch === true || options.watchOnly === true
          ? watchObjects(session, requests, options)
          : getObjects(session, requests, options),
      );
    });
}

interface Fetched {
  readonly kind: KindInfo;
  readonly objects: ApiObject[];
}

function namespaceOf(session: Session, kind: KindInfo, options: GetOptions): string {
  return kind.namespaced && options.allNamespaces !== true ? session.namespace : "";
}

function byTime(objects: ApiObject[], kind: KindInfo): ApiObject[] {
  if (kind.kind !== "Event") return objects;
  const time = (o: ApiObject): number =>
    eventTime(o as Parameters<typeof eventTime>[0])?.getTime() ?? 0;
  return [...objects].sort((a, b) => time(a) - time(b));
}

async function fetch(
  session: Session,
  request: ResourceRequest,
  options: GetOptions,
  errors: string[],
): Promise<Fetched> {
  const client = kindClient(session.api, request.kind);
  const namespace = namespaceOf(session, request.kind, options);
  if (request.names.length === 0) {
    const { items } = await listAll(client, {
      namespace,
      labelSelector: options.selector ?? "",
      fieldSelector: options.fieldSelector ?? "",
    });
    return { kind: request.kind, objects: byTime(items, request.kind) };
  }
  const objects: ApiObject[] = [];
  for (const name of request.names) {
    try {
      objects.push(await client.get(name, { namespace }));
    } catch (e) {
      if (!(e instanceof ApiStatusError) || !e.isNotFound) throw e;
      errors.push(...session.failure(e, { subject: { kind: request.kind, name } }).lines);
    }
  }
  return { kind: request.kind, objects };
}

function tableOptions(
  kind: KindInfo,
  options: GetOptions,
  output: OutputFormat,
  kindPrefix: boolean,
): ConstructorParameters<typeof TablePrinter>[1] {
  return {
    wide: output === "wide",
    withNamespace: kind.namespaced && options.allNamespaces === true,
    showLabels: options.showLabels === true,
    noHeaders: options.headers === false,
    kindPrefix,
  };
}

function encodable(fetched: readonly Fetched[]): EncodableObject[] {
  return fetched.flatMap((f) => f.objects.map((object) => ({ kind: f.kind, object })));
}

async function getObjects(
  session: Session,
  requests: readonly ResourceRequest[],
  options: GetOptions,
): Promise<void> {
  const { io } = session;
  if (options.selector !== undefined && requests.some((r) => r.names.length > 0))
    throw new CliError("name cannot be provided when a selector is specified");
  const output = options.output ?? "table";
  const errors: string[] = [];
  const fetched: Fetched[] = [];
  for (const request of requests) fetched.push(await fetch(session, request, options, errors));
  const total = fetched.reduce((n, f) => n + f.objects.length, 0);

  if (output === "json" || output === "yaml") {
    const single = requests.length === 1 && requests[0]?.names.length === 1;
    if (total > 0 || errors.length === 0)
      io.stdout.write(formatObjects(encodable(fetched), output, single));
  } else if (output === "name") {
    io.stdout.write(formatNames(encodable(fetched)));
  } else {
    const tables = fetched
      .filter((f) => f.objects.length > 0)
      .map((f) =>
        new TablePrinter(f.kind, tableOptions(f.kind, options, output, requests.length > 1)).print(
          f.objects,
          io.now(),
        ),
      );
    io.stdout.write(tables.join("\n"));
    if (total === 0 && errors.length === 0)
      io.stderr.write(`${noResources(session, requests, options)}\n`);
  }
  for (const line of errors) io.stderr.write(`${line}\n`);
  if (errors.length > 0) throw new ReportedFailure();
}

/** kubectl's "No resources found in default namespace." (or without a namespace). */
function noResources(
  session: Session,
  requests: readonly ResourceRequest[],
  options: GetOptions,
): string {
  const namespaced = requests.every((r) => r.kind.namespaced);
  return namespaced && options.allNamespaces !== true
    ? `No resources found in ${session.namespace} namespace.`
    : "No resources found";
}

/** Waits `ms` or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** `get -w`: the list (unless --watch-only), then every change until interrupted. */
async function watchObjects(
  session: Session,
  requests: readonly ResourceRequest[],
  options: GetOptions,
): Promise<void> {
  const { io } = session;
  const [request, ...others] = requests;
  if (request === undefined || others.length > 0)
    throw new CliError("you may only specify a single resource type with --watch");
  if (request.names.length > 1)
    throw new CliError(
      `watch is only supported on individual resources and resource collections, but ${request.names.length} resources were found`,
    );
  const { kind } = request;
  const name = request.names[0];
  const fieldSelector = [
    options.fieldSelector,
    name === undefined ? undefined : `metadata.name=${name}`,
  ]
    .filter((s): s is string => s !== undefined && s !== "")
    .join(",");
  const output = options.output ?? "table";
  const client = kindClient(session.api, kind);
  const selectors = {
    namespace: namespaceOf(session, kind, options),
    labelSelector: options.selector ?? "",
    fieldSelector,
  };
  const signal = io.interrupted();
  const printer = new TablePrinter(kind, tableOptions(kind, options, output, false));
  let printed = 0;
  const emit = (objects: readonly ApiObject[]): void => {
    if (objects.length === 0) return;
    const items = objects.map((object) => ({ kind, object }));
    if (output === "json" || output === "yaml") {
      for (const item of items) {
        if (output === "yaml" && printed > 0) io.stdout.write("---\n");
        io.stdout.write(formatObjects([item], output, true));
        printed++;
      }
    } else if (output === "name") io.stdout.write(formatNames(items));
    else io.stdout.write(printer.print(objects, io.now()));
  };

  const relist = async (print: boolean): Promise<string> => {
    const list = await listAll(client, { ...selectors, signal });
    if (print) emit(byTime(list.items, kind));
    return list.resourceVersion;
  };
  let resourceVersion = await relist(options.watchOnly !== true);
  while (!signal.aborted) {
    const started = Date.now();
    let events = 0;
    try {
      for await (const event of client.watch({
        ...selectors,
        resourceVersion,
        allowWatchBookmarks: true,
        signal,
      })) {
        events++;
        resourceVersion = event.object.metadata?.resourceVersion || resourceVersion;
        if (event.type !== "BOOKMARK") emit([event.object]);
      }
    } catch (e) {
      // The version fell out of the server's history: list again, print the current state.
      if (e instanceof ApiStatusError && e.isGone) {
        resourceVersion = await relist(true);
        continue;
      }
      throw e;
    }
    // The server ended the stream (they time out after minutes): watch again from the
    // last version; never spin on a stream that ends at once.
    if (events === 0 && Date.now() - started < 1_000) await pause(1_000, signal);
  }
}
