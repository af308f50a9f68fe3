// The `Events:` timeline at the end of every `describe`: the object's Events, oldest
// first, as Type, Reason, Age ("5m (x3 over 10m)" when repeated), From and Message.
import type { ApiClient, KindInfo } from "@k8ts/sdk";
import type { Event } from "@k8ts/sdk/gen/k8ts/api/v1/event.js";
import { listAll } from "../kinds/list-all.js";
import type { ApiObject } from "../kinds/resource-names.js";
import { age } from "../printers/age.js";
import { eventTime } from "../printers/kind-tables.js";
import type { DescribeWriter } from "./describe-writer.js";

function eventAge(e: Event, now: Date): string {
  const first = e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  const last = eventTime(e);
  if (e.count > 1) return `${age(last, now)} (x${e.count} over ${age(first, now)})`;
  return age(last, now);
}

function eventSource(e: Event): string {
  const component = e.source?.component ?? "";
  if (component !== "") {
    const host = e.source?.host ?? "";
    return host === "" ? component : `${component}, ${host}`;
  }
  return e.reportingInstance === ""
    ? e.reportingComponent
    : `${e.reportingComponent}, ${e.reportingInstance}`;
}

/** Events about `object`: by uid, or by kind and name when it has none. */
export async function objectEvents(
  api: ApiClient,
  kind: KindInfo,
  object: ApiObject,
): Promise<Event[]> {
  const meta = object.metadata;
  const selector =
    meta !== undefined && meta.uid !== ""
      ? `involvedObject.uid=${meta.uid}`
      : `involvedObject.kind=${kind.kind},involvedObject.name=${meta?.name ?? ""}`;
  const { items } = await listAll(api.kind("Event"), {
    namespace: kind.namespaced ? (meta?.namespace ?? "") : "",
    fieldSelector: selector,
  });
  const time = (e: Event): number => eventTime(e)?.getTime() ?? 0;
  return items.sort((a, b) => time(a) - time(b));
}

export function describeEvents(w: DescribeWriter, events: readonly Event[], now: Date): void {
  if (events.length === 0) {
    w.line(0, "Events:", "<none>");
    return;
  }
  w.line(0, "Events:");
  w.table(
    1,
    ["Type", "Reason", "Age", "From", "Message"],
    events.map((e) => [e.type, e.reason, eventAge(e, now), eventSource(e), e.message.trim()]),
  );
}
