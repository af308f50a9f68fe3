// Lists every object matching the options, a page at a time (grpc-js refuses messages
// over its limit, and the server answers big lists in pages anyway).
import type { KindClient, ListOptions, ObjectList } from "@k8ts/sdk";

const PAGE = 500;

export async function listAll<T>(
  client: KindClient<T>,
  options: ListOptions,
): Promise<{ items: T[]; resourceVersion: string }> {
  const items: T[] = [];
  let page: ObjectList<T> = await client.list({ ...options, limit: PAGE });
  const resourceVersion = page.metadata.resourceVersion;
  items.push(...page.items);
  while (page.metadata.continue !== "") {
    page = await client.list({ ...options, limit: PAGE, continue: page.metadata.continue });
    items.push(...page.items);
  }
  return { items, resourceVersion };
}
