#!/usr/bin/env node
// Writes proto/k8ts/api/v1/<kind>_service.proto for every kind in KINDS: the kind's gRPC
// service (Create, Get, List, Watch, Update, UpdateStatus, Patch, Delete, plus extras such
// as Pods.Bind), its Create/Update request messages, its List and its WatchEvent.
// The boilerplate is the same for every kind; what differs is in the table below.
// Plain Node ESM, no dependencies; output is deterministic.
//
// Usage: node proto/scripts/gen-services.mjs [--check]
//   --check  write nothing; exit 1 if a file is missing or differs (for CI).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const API_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "k8ts", "api", "v1");
const WIDTH = 90;

/**
 * One row per kind.
 *   file         proto file of the kind, without ".proto" (also names the service file)
 *   kind         message name (and manifest kind); plural is its lower-case plural
 *   service      service name: the plural in PascalCase
 *   namespaced   whether objects live in a namespace
 *   spec         false for kinds without a spec (Endpoints, Event)
 *   status       whether the kind has a status (then it gets UpdateStatus)
 *   statusWriter who writes status, for the UpdateStatus comment
 *   create       sentence on what Create does with status (kinds with status)
 *   delete       sentences on how Delete proceeds for this kind
 *   extraImports, extraRpcs  Pods' Bind, Logs and Exec
 */
const KINDS = [
  {
    file: "namespace",
    kind: "Namespace",
    plural: "namespaces",
    service: "Namespaces",
    namespaced: false,
    status: true,
    statusWriter: "the namespace controller",
    create: "Status is set by the server: phase Active.",
    delete: [
      "Delete starts removing the Namespace: it gets metadata.deletionTimestamp and",
      "status.phase Terminating, nothing new can be created in it, and the namespace",
      "controller deletes every object in it before the Namespace itself is removed. The",
      "namespaces default, kube-system and kube-node-lease cannot be deleted",
      "(FAILED_PRECONDITION).",
    ].join(" "),
  },
  {
    file: "node",
    kind: "Node",
    plural: "nodes",
    service: "Nodes",
    namespaced: false,
    status: true,
    statusWriter: "the node's kubelet (and the node lifecycle controller, for conditions)",
    create: "Status is kept: a kubelet registers its Node together with its status.",
    delete: [
      "Delete removes the Node; the pod garbage collector then removes the Pods bound",
      "to it.",
    ].join(" "),
  },
  {
    file: "pod",
    kind: "Pod",
    plural: "pods",
    service: "Pods",
    namespaced: true,
    status: true,
    statusWriter: "the kubelet of the Pod's node",
    create: [
      "Status is set by the server (phase Pending, qosClass) and then by the scheduler",
      "and the kubelet.",
    ].join(" "),
    delete: [
      "Delete stops a Pod gracefully: it gets metadata.deletionTimestamp and",
      "deletionGracePeriodSeconds (options.grace_period_seconds, else",
      "spec.terminationGracePeriodSeconds) and stays readable while its kubelet stops",
      "the containers; the kubelet then deletes it with grace period 0 and a uid",
      "precondition. A Pod not bound to a node, or deleted with grace period 0, is",
      "removed at once. Deleting a Pod that is already terminating may only shorten its",
      "grace period.",
    ].join(" "),
    extraImports: ["k8ts/api/v1/pod_subresources.proto"],
    extraRpcs: [
      {
        name: "Bind",
        request: "BindRequest",
        response: "Pod",
        doc: [
          "Bind assigns the Pod to a node, as the scheduler decided: it sets spec.nodeName",
          "and the PodScheduled condition to True, and returns the bound Pod. Fails with",
          "ABORTED if uid is set and differs from the Pod's (the Pod was replaced),",
          "FAILED_PRECONDITION if the Pod is already bound or is being deleted, NOT_FOUND if",
          "there is no such Pod.",
        ],
      },
      {
        name: "Logs",
        request: "PodLogsRequest",
        response: "PodLogsChunk",
        serverStreaming: true,
        doc: [
          "Logs streams the log of one container of the Pod, read from the kubelet of its",
          "node: the log so far (or its tail_lines last lines, or what since_seconds",
          "covers), then, with follow, new output as it is written, until the container",
          "stops or the client cancels. Fails with NOT_FOUND for an unknown Pod or",
          "container, INVALID_ARGUMENT if container is empty and the Pod has several,",
          "FAILED_PRECONDITION if the Pod is not bound to a node yet or the container has",
          "not started (with previous: has not restarted), UNAVAILABLE if the node cannot",
          "be reached.",
        ],
      },
      {
        name: "Exec",
        request: "PodExecRequest",
        response: "PodExecResponse",
        clientStreaming: true,
        serverStreaming: true,
        doc: [
          "Exec runs a command in a running container of the Pod, through the kubelet of",
          "its node. The client's first message is start; after it the client may send",
          "stdin bytes, terminal resizes and close_stdin. The server sends stdout and",
          "stderr bytes and ends with exit (or error). Cancelling the call kills the",
          "command. Fails with INVALID_ARGUMENT if the first message is not start,",
          "NOT_FOUND for an unknown Pod or container, FAILED_PRECONDITION if the container",
          "is not running, UNAVAILABLE if the node cannot be reached.",
        ],
      },
    ],
  },
  {
    file: "replicaset",
    kind: "ReplicaSet",
    plural: "replicasets",
    service: "ReplicaSets",
    namespaced: true,
    status: true,
    statusWriter: "the replicaset controller",
    create: "Status is ignored on create; the replicaset controller sets it.",
  },
  {
    file: "deployment",
    kind: "Deployment",
    plural: "deployments",
    service: "Deployments",
    namespaced: true,
    status: true,
    statusWriter: "the deployment controller",
    create: "Status is ignored on create; the deployment controller sets it.",
  },
  {
    file: "service",
    kind: "Service",
    plural: "services",
    service: "Services",
    namespaced: true,
    status: true,
    statusWriter: "a load balancer provisioner would (k8ts has none yet)",
    create: [
      "Status is ignored on create. The server allocates spec.clusterIP (unless it is",
      '"None" or given) and, for type NodePort, each port\'s nodePort (unless given).',
    ].join(" "),
    delete: "Delete removes the Service and releases its cluster IP and node ports.",
  },
  {
    file: "endpoints",
    kind: "Endpoints",
    plural: "endpoints",
    // The plural of Endpoints is Endpoints, which names the kind's message already.
    service: "EndpointsService",
    namespaced: true,
    spec: false,
    status: false,
  },
  {
    file: "ingress",
    kind: "Ingress",
    plural: "ingresses",
    service: "Ingresses",
    namespaced: true,
    status: true,
    statusWriter: "the ingress",
    create: "Status is ignored on create; the ingress sets it.",
  },
  {
    file: "event",
    kind: "Event",
    plural: "events",
    service: "Events",
    namespaced: true,
    spec: false,
    status: false,
  },
  {
    file: "lease",
    kind: "Lease",
    plural: "leases",
    service: "Leases",
    namespaced: true,
    status: false,
  },
];

/** Wraps text into `// ` comment lines indented by `indent` spaces, at most WIDTH wide. */
function comment(text, indent = 0) {
  const prefix = `${" ".repeat(indent)}// `;
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(prefix + line);
  return lines.join("\n");
}

const join_ = (parts) => parts.filter(Boolean).join(" ");

function rpcs(k) {
  const where = k.namespaced ? "in its namespace" : "(cluster-scoped)";
  const nsFailure = k.namespaced
    ? "NOT_FOUND if the namespace does not exist, FAILED_PRECONDITION if it is being deleted,"
    : "";
  const plural = k.plural;
  const list = [
    {
      name: "Create",
      request: `Create${k.kind}Request`,
      response: k.kind,
      doc: join_([
        `Create stores a new ${k.kind} ${where} and returns it as stored. The server sets`,
        "metadata.uid, resourceVersion, generation and creationTimestamp, generates the",
        "name from metadata.generateName when name is empty, and fills in defaults.",
        k.status ? k.create : "",
        "Fails with ALREADY_EXISTS if the name is taken,",
        nsFailure,
        "INVALID_ARGUMENT (with a google.rpc.BadRequest naming every bad field) if the",
        "object is invalid. With dry_run the request is validated and answered in full,",
        "but nothing is stored.",
      ]),
    },
    {
      name: "Get",
      request: "GetRequest",
      response: k.kind,
      doc: join_([
        `Get returns one ${k.kind} by name. request.resource_version sets how fresh the`,
        'answer must be ("" the latest, "0" any cached state, N at least version N).',
        `Fails with NOT_FOUND if there is no such ${k.kind}.`,
      ]),
    },
    {
      name: "List",
      request: "ListRequest",
      response: `${k.kind}List`,
      doc: join_([
        `List returns the ${plural} that match the label and field selectors` +
          (k.namespaced ? ", in one namespace or in all when namespace is empty." : "."),
        "resource_version is read as for Get. With limit the result comes in pages: pass",
        "metadata.continue to get the next one; every page reflects the version of the",
        "first, and an expired continue token fails with OUT_OF_RANGE (list again).",
        "metadata.resourceVersion of the result is where a Watch continues from.",
      ]),
    },
    {
      name: "Watch",
      request: "WatchRequest",
      response: `${k.kind}WatchEvent`,
      serverStreaming: true,
      doc: join_([
        `Watch streams changes to the ${plural} that match the selectors: every change`,
        "after request.resource_version, in order, or first the current objects as ADDED",
        "events and a BOOKMARK marking their end (see WatchRequest). An object that stops",
        "matching the selectors arrives as DELETED. Fails with OUT_OF_RANGE when the",
        "version is older than the server's history: List again and watch from the",
        "list's version. The server ends every stream after timeout_seconds or 5 to 10",
        "minutes; watch again from the last version seen (bookmarks included).",
      ]),
    },
    {
      name: "Update",
      request: `Update${k.kind}Request`,
      response: k.kind,
      doc: join_([
        `Update replaces the ${k.kind} named by object.metadata with object and returns it`,
        "as stored.",
        k.status ? "Changes to status are ignored (see UpdateStatus)." : "",
        "If object.metadata.resourceVersion is set it must equal the stored one, else",
        "ABORTED: read again, reapply the change, retry. Empty means unconditional. A",
        "set metadata.uid must match too. Server-set metadata (uid, creationTimestamp,",
        "deletionTimestamp, generation) cannot be changed" +
          (k.spec === false ? "." : "; generation increases when spec changes."),
        "An update that changes nothing stores nothing and returns the",
        "object with its resourceVersion unchanged. Fails with NOT_FOUND if there is no",
        `such ${k.kind}, INVALID_ARGUMENT if the result is invalid. With dry_run nothing`,
        "is stored.",
      ]),
    },
  ];
  if (k.status) {
    list.push({
      name: "UpdateStatus",
      request: `Update${k.kind}Request`,
      response: k.kind,
      doc: join_([
        `UpdateStatus replaces the status of the ${k.kind} with object.status, as`,
        `${k.statusWriter} does; changes to spec and metadata are ignored.`,
        "object.metadata.resourceVersion and uid are preconditions as for Update, and an",
        "update that changes nothing stores nothing.",
      ]),
    });
  }
  list.push(
    {
      name: "Patch",
      request: "PatchRequest",
      response: k.kind,
      doc: join_([
        `Patch applies a JSON merge patch or a JSON patch to the stored ${k.kind}, then`,
        "stores the result as Update would (validated; only a resourceVersion in the",
        "patch makes it conditional). A concurrent write makes the server retry on the",
        "new version, not fail. Fails with NOT_FOUND if there is no such object, ABORTED",
        'if a resourceVersion in the patch or a JSON patch "test" does not hold,',
        "INVALID_ARGUMENT if the patch cannot be applied or the result is invalid.",
      ]),
    },
    {
      name: "Delete",
      request: "DeleteRequest",
      response: k.kind,
      doc: join_([
        k.delete ?? `Delete removes the ${k.kind}.`,
        "An object with finalizers (options.propagation_policy Foreground adds one) only",
        "gets metadata.deletionTimestamp and stays until its finalizers are removed. The",
        "objects it owns are deleted afterwards by the garbage collector (Background, the",
        "default), before it (Foreground) or not at all (Orphan). Returns the object as",
        "last stored, or as marked for deletion. Fails with NOT_FOUND if there is no such",
        "object, ABORTED if a precondition in options does not hold. With dry_run nothing",
        "changes.",
      ]),
    },
  );
  return [...list, ...(k.extraRpcs ?? []).map((r) => ({ ...r, doc: r.doc.join(" ") }))];
}

function render(k) {
  const imports = [
    "google/rpc/status.proto",
    `k8ts/api/v1/${k.file}.proto`,
    "k8ts/api/v1/meta.proto",
    "k8ts/api/v1/requests.proto",
    "k8ts/api/v1/rules.proto",
    ...(k.extraImports ?? []),
  ].sort();
  const scope = k.namespaced ? "namespaced" : "cluster-scoped";
  const out = [];
  out.push(
    "// Code generated by proto/scripts/gen-services.mjs. DO NOT EDIT.",
    "",
    'syntax = "proto3";',
    "",
    "package k8ts.api.v1;",
    "",
    ...imports.map((i) => `import "${i}";`),
    "",
    comment(
      `The ${k.service} service: reads, writes and watches ${k.kind} objects (${scope}). ` +
        "Request semantics shared by every kind are documented in requests.proto.",
    ),
    "",
  );

  out.push(comment(`${k.service} serves the ${k.kind} kind.`));
  out.push(`service ${k.service} {`);
  rpcs(k).forEach((r, i) => {
    if (i > 0) out.push("");
    const req = r.clientStreaming ? `stream ${r.request}` : r.request;
    const res = r.serverStreaming ? `stream ${r.response}` : r.response;
    out.push(comment(r.doc, 2), `  rpc ${r.name}(${req}) returns (${res});`);
  });
  out.push("}", "");

  const writeFields = (verb) => [
    comment(
      verb === "create"
        ? `The ${k.kind} to create. ` +
            (k.namespaced ? 'metadata.namespace defaults to "default".' : "")
        : `The ${k.kind} to update, named by ` +
            (k.namespaced ? "metadata.namespace and metadata.name" : "metadata.name") +
            ", with metadata.resourceVersion as read (or empty for an unconditional update).",
      2,
    ),
    `  ${k.kind} object = 1 [(k8ts.api.v1.field) = {required: true}];`,
    comment("Validate and answer with the result, but store nothing.", 2),
    "  bool dry_run = 2;",
    comment(
      'Name of the actor making the change, e.g. "k8ts-cli" (Kubernetes\' fieldManager). ' +
        "It does not change the result of the request.",
      2,
    ),
    "  string field_manager = 3;",
  ];
  out.push(
    comment(`Create${k.kind}Request is the request of ${k.service}.Create.`),
    `message Create${k.kind}Request {`,
    ...writeFields("create"),
    "}",
    "",
    comment(
      `Update${k.kind}Request is the request of ${k.service}.Update` +
        (k.status ? ` and ${k.service}.UpdateStatus.` : "."),
    ),
    `message Update${k.kind}Request {`,
    ...writeFields("update"),
    "}",
    "",
    comment(`${k.kind}List is a list of ${k.plural}, the answer of ${k.service}.List.`),
    `message ${k.kind}List {`,
    comment("Version of the list (watch from it) and the continue token of the next page.", 2),
    "  ListMeta metadata = 1;",
    comment(`The ${k.plural}.`, 2),
    `  repeated ${k.kind} items = 2;`,
    "}",
    "",
    comment(`${k.kind}WatchEvent is one event of ${k.service}.Watch.`),
    `message ${k.kind}WatchEvent {`,
    comment(
      'What happened: "ADDED" (created, or started to match the selectors, or part of ' +
        'the initial events), "MODIFIED", "DELETED" (removed from storage, or stopped ' +
        'matching the selectors), "BOOKMARK" (nothing changed: the object carries only ' +
        'metadata.resourceVersion and annotations, see WatchRequest) or "ERROR" (the ' +
        "watch failed; see error).",
      2,
    ),
    "  string type = 1 [(k8ts.api.v1.field) = {",
    "    required: true",
    "    enum: [",
    '      "ADDED",',
    '      "MODIFIED",',
    '      "DELETED",',
    '      "BOOKMARK",',
    '      "ERROR"',
    "    ]",
    "  }];",
    comment(
      "The object: as stored after the change (ADDED, MODIFIED), as last stored " +
        "(DELETED), or only its metadata (BOOKMARK). Absent for ERROR.",
      2,
    ),
    `  ${k.kind} object = 2;`,
    comment(
      "Why the watch failed, for ERROR only; e.g. OUT_OF_RANGE when the version to " +
        "resume from is no longer in the server's history (list again). An ERROR event is " +
        "the last of the stream, and the call then ends with the same status.",
      2,
    ),
    "  google.rpc.Status error = 3;",
    "}",
    "",
  );
  return out.join("\n");
}

const check = process.argv.includes("--check");
let stale = 0;
for (const k of KINDS) {
  if (!existsSync(join(API_DIR, `${k.file}.proto`))) {
    console.error(`gen-services: ${k.file}.proto is missing for kind ${k.kind}`);
    process.exit(1);
  }
  const path = join(API_DIR, `${k.file}_service.proto`);
  const text = render(k);
  if (check) {
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
      console.error(`stale: ${path} (run proto/scripts/generate.sh)`);
      stale++;
    }
  } else if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
    writeFileSync(path, text);
  }
}
if (stale) process.exit(1);
