// `k8ts apply` against the server, all or nothing as far as the server can tell in
// advance: read every live object, plan every document, have the server validate every
// create and patch with a dry run, and write only when none is refused.
import { ApiStatusError, encodeObject, type JsonObject, type KindInfo } from "@k8ts/sdk";
import { status } from "@grpc/grpc-js";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import { kindClient, objectRef, type ApiObject } from "../kinds/resource-names.js";
import type { Session } from "../session.js";
import {
  LAST_APPLIED,
  appliedManifest,
  isExported,
  planApply,
  typedObject,
  type ApplyAction,
} from "./apply-plan.js";
import { warningLines, type ManifestObject } from "./decode-sources.js";

export type DryRun = "none" | "client" | "server";

const STRATEGIC = "application/strategic-merge-patch+json" as const;

interface Planned {
  readonly source: ManifestObject;
  readonly kind: KindInfo;
  readonly name: string;
  /** "" for cluster-scoped kinds. */
  readonly namespace: string;
  readonly action: ApplyAction;
  /** The manifest's `status`, if it has one: sent on create only (a fake Node's), never diffed. */
  readonly status: unknown;
}

function nameOf(manifest: Record<string, unknown>): { name: string; namespace: string } {
  const meta = manifest.metadata as { name?: unknown; namespace?: unknown } | undefined;
  return {
    name: typeof meta?.name === "string" ? meta.name : "",
    namespace: typeof meta?.namespace === "string" ? meta.namespace : "",
  };
}

function result(kind: KindInfo, name: string, verb: string, dryRun: DryRun): string {
  const suffix =
    dryRun === "client" ? " (dry run)" : dryRun === "server" ? " (server dry run)" : "";
  return `${objectRef(kind, name)} ${verb}${suffix}\n`;
}

/** The object to create: the manifest with the last-applied annotation, and its status. */
function creation(p: Planned, manifest: Record<string, unknown>): ApiObject {
  return typedObject(
    p.status === undefined ? manifest : { ...manifest, status: p.status },
  ) as ApiObject;
}

/** The manifest moved to another namespace, for validating objects whose own does not exist yet. */
function inNamespace(
  manifest: Record<string, unknown>,
  namespace: string,
): Record<string, unknown> {
  const meta = manifest.metadata as Record<string, unknown> | undefined;
  return { ...manifest, metadata: { ...meta, namespace } };
}

export class ApplyRunner {
  constructor(
    private readonly session: Session,
    private readonly dryRun: DryRun,
  ) {}

  private get out(): Session["io"] {
    return this.session.io;
  }

  /** Applies every object; throws ReportedFailure (exit 1) after printing what failed. */
  async run(objects: readonly ManifestObject[]): Promise<void> {
    if (objects.length === 0) throw new CliError("no objects passed to apply");
    for (const line of warningLines(objects)) this.out.stderr.write(`${line}\n`);
    const planned = await this.plan(objects);
    if (this.dryRun !== "client") await this.validate(planned);
    if (this.dryRun !== "none") {
      for (const p of planned) this.out.stdout.write(this.resultLine(p));
      return;
    }
    await this.write(planned);
  }

  private resultLine(p: Planned): string {
    const verb =
      p.action.type === "create"
        ? "created"
        : p.action.type === "patch"
          ? "configured"
          : "unchanged";
    return result(p.kind, p.name, verb, this.dryRun);
  }

  private namespaceFor(o: ManifestObject): string {
    const { connection } = this.session;
    const given = nameOf(o.object).namespace;
    if (!o.kind.namespaced) return "";
    if (given !== "" && connection.namespaceExplicit && given !== connection.namespace)
      throw new CliError(
        `the namespace from the provided object "${given}" does not match the namespace ` +
          `"${connection.namespace}". You must pass '--namespace=${given}' to perform this operation.`,
      );
    return given === "" ? connection.namespace : given;
  }

  private async plan(objects: readonly ManifestObject[]): Promise<Planned[]> {
    const seen = new Map<string, ManifestObject>();
    const planned: Planned[] = [];
    for (const o of objects) {
      const manifest = appliedManifest(o.kind, o.object, this.namespaceFor(o));
      const { name, namespace } = nameOf(manifest);
      if (name === "")
        throw new CliError(
          `${o.source}: document ${o.document}: apply needs metadata.name (generateName is for create)`,
        );
      const key = `${o.kind.kind}/${namespace}/${name}`;
      const earlier = seen.get(key);
      if (earlier !== undefined)
        throw new CliError(
          `${objectRef(o.kind, name)} appears twice: ${earlier.source} document ${earlier.document} and ${o.source} document ${o.document}`,
        );
      seen.set(key, o);
      const live = await this.live(o.kind, name, namespace, o.source);
      const plan = planApply(o.kind, manifest, live, isExported(o.object));
      for (const w of plan.warnings)
        this.out.stderr.write(`Warning: ${objectRef(o.kind, name)}: ${w}\n`);
      const { status } = encodeObject(o.kind, o.object);
      planned.push({ source: o, kind: o.kind, name, namespace, action: plan.action, status });
    }
    return planned;
  }

  private async live(
    kind: KindInfo,
    name: string,
    namespace: string,
    source: string,
  ): Promise<ApiObject | undefined> {
    try {
      return await kindClient(this.session.api, kind).get(name, { namespace });
    } catch (e) {
      if (e instanceof ApiStatusError && e.isNotFound) return undefined;
      if (e instanceof ApiStatusError)
        throw this.session.failure(e, {
          action: `error when retrieving current configuration of ${objectRef(kind, name)} from "${source}"`,
        });
      throw e;
    }
  }

  /** Server-side dry run of every create and patch; prints every refusal, writes nothing. */
  private async validate(planned: readonly Planned[]): Promise<void> {
    // Objects in a namespace this apply creates cannot be dry-run there (it does not exist
    // yet): the server validates them in "default" instead.
    const newNamespaces = new Set(
      planned
        .filter((p) => p.kind.kind === "Namespace" && p.action.type === "create")
        .map((p) => p.name),
    );
    const refusals: string[] = [];
    let refused = 0;
    for (const p of planned) {
      const error = await this.dryRunOne(p, newNamespaces.has(p.namespace));
      if (error === undefined) continue;
      if (error.code === status.UNAVAILABLE) throw this.session.failure(error);
      refused++;
      refusals.push(...this.session.failure(error, this.errorContext(p)).lines);
    }
    if (refused > 0) {
      for (const line of refusals) this.out.stderr.write(`${line}\n`);
      this.out.stderr.write(
        `error: the server refused ${refused} of ${planned.length} objects; nothing was applied\n`,
      );
      throw new ReportedFailure();
    }
  }

  private errorContext(p: Planned): { subject: { kind: KindInfo; name: string }; action: string } {
    const verb = p.action.type === "create" ? "creating" : "patching";
    return {
      subject: { kind: p.kind, name: p.name },
      action: `error when ${verb} "${p.source.source}"`,
    };
  }

  private async dryRunOne(
    p: Planned,
    namespacePending: boolean,
  ): Promise<ApiStatusError | undefined> {
    const client = kindClient(this.session.api, p.kind);
    try {
      if (p.action.type === "create") {
        const manifest = namespacePending
          ? inNamespace(p.action.manifest, "default")
          : p.action.manifest;
        await client.create(creation(p, manifest), { dryRun: true });
      } else if (p.action.type === "patch") {
        await client.patch(p.name, p.action.patch, {
          namespace: p.namespace,
          type: STRATEGIC,
          dryRun: true,
        });
      }
      return undefined;
    } catch (e) {
      if (!(e instanceof ApiStatusError)) throw e;
      // Validated in "default", where an object of that name may exist: the fields passed.
      if (namespacePending && e.code === status.ALREADY_EXISTS) return undefined;
      return e;
    }
  }

  private async write(planned: readonly Planned[]): Promise<void> {
    let failed = false;
    for (const p of planned) {
      const client = kindClient(this.session.api, p.kind);
      try {
        if (p.action.type === "create") {
          await client.create(creation(p, p.action.manifest));
        } else if (p.action.type === "patch") {
          if (p.action.missingLastApplied)
            this.out.stderr.write(
              `Warning: ${objectRef(p.kind, p.name)} has no ${LAST_APPLIED} annotation ` +
                "(it was not made by apply); it is added now, so later applies can delete fields\n",
            );
          await client.patch(p.name, p.action.patch satisfies JsonObject, {
            namespace: p.namespace,
            type: STRATEGIC,
          });
        }
        this.out.stdout.write(this.resultLine(p));
      } catch (e) {
        if (!(e instanceof ApiStatusError)) throw e;
        if (e.code === status.UNAVAILABLE) throw this.session.failure(e);
        failed = true;
        for (const line of this.session.failure(e, this.errorContext(p)).lines)
          this.out.stderr.write(`${line}\n`);
      }
    }
    if (failed) throw new ReportedFailure();
  }
}
