// The mock runtime's images: "pulling" records a reference, except for references that
// match one of the --missing-images globs, which do not exist (NOT_FOUND, as a registry
// answers for an unknown image). A reference without a tag means ":latest", as in Docker.
import { createHash } from "node:crypto";
import { NotFoundError } from "./runtime-errors.js";
import type { ImageRecord } from "./runtime-records.js";

export class ImageStore {
  private readonly images = new Map<string, ImageRecord>();
  /** By normalized reference: a lookup per CreateContainer and ImageStatus, no hashing. */
  private readonly byName = new Map<string, ImageRecord>();
  private readonly missing: readonly RegExp[];

  constructor(images: readonly ImageRecord[], missingPatterns: readonly string[]) {
    for (const image of images) this.add(image);
    this.missing = missingPatterns.map(globToRegExp);
  }

  /** Records `reference` as present; NotFoundError when it matches --missing-images. */
  pull(reference: string, nowUs: number): ImageRecord {
    const name = normalizeReference(reference);
    if (this.missing.some((re) => re.test(reference) || re.test(name)))
      throw new NotFoundError(`image ${JSON.stringify(reference)} not found`);
    const present = this.find(reference);
    if (present !== undefined) return present;
    const image = { id: imageId(name), repoTags: [name], pulledUs: nowUs };
    this.add(image);
    return image;
  }

  /** The image a reference or image id names, if present. */
  find(referenceOrId: string): ImageRecord | undefined {
    return this.images.get(referenceOrId) ?? this.byName.get(normalizeReference(referenceOrId));
  }

  list(): ImageRecord[] {
    return [...this.images.values()];
  }

  /** Idempotent: an absent image is success. Returns the image removed, if any. */
  remove(referenceOrId: string): ImageRecord | undefined {
    const image = this.find(referenceOrId);
    if (image === undefined) return undefined;
    this.images.delete(image.id);
    for (const tag of image.repoTags) this.byName.delete(tag);
    return image;
  }

  /** The image of id `id`, if present. */
  get(id: string): ImageRecord | undefined {
    return this.images.get(id);
  }

  get size(): number {
    return this.images.size;
  }

  private add(image: ImageRecord): void {
    this.images.set(image.id, image);
    for (const tag of image.repoTags) this.byName.set(tag, image);
  }
}

/** "busybox" -> "busybox:latest"; references with a tag or digest stay as they are. */
export function normalizeReference(reference: string): string {
  if (reference.includes("@")) return reference;
  const lastPart = reference.slice(reference.lastIndexOf("/") + 1);
  return lastPart.includes(":") ? reference : `${reference}:latest`;
}

function imageId(name: string): string {
  return `sha256:${createHash("sha256").update(name).digest("hex")}`;
}

/** A glob where `*` is any run of characters and `?` one character. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "s");
}
