// The leading comments of messages and fields, read from the source info that the
// embedded descriptor set keeps: the .proto files' comments are the API's documentation.
import type { DescField, DescMessage } from "@bufbuild/protobuf";

// Field numbers of google.protobuf.FileDescriptorProto / DescriptorProto that source
// info paths are made of.
const FILE_MESSAGE_TYPE = 4;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED_TYPE = 3;

function messagePath(message: DescMessage): number[] | undefined {
  const parent = message.parent;
  if (parent === undefined) {
    const index = message.file.messages.indexOf(message);
    return index < 0 ? undefined : [FILE_MESSAGE_TYPE, index];
  }
  const parentPath = messagePath(parent);
  const index = parent.nestedMessages.indexOf(message);
  return parentPath === undefined || index < 0
    ? undefined
    : [...parentPath, MESSAGE_NESTED_TYPE, index];
}

function fieldPath(field: DescField): number[] | undefined {
  const parentPath = messagePath(field.parent);
  const index = field.parent.proto.field.findIndex((f) => f.number === field.number);
  return parentPath === undefined || index < 0 ? undefined : [...parentPath, MESSAGE_FIELD, index];
}

function samePath(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** The comment's text: each line without the one space after `//`, trimmed at the ends. */
function clean(comment: string): string {
  return comment
    .split("\n")
    .map((line) => (line.startsWith(" ") ? line.slice(1) : line).trimEnd())
    .join("\n")
    .trim();
}

function commentAt(message: DescMessage, path: readonly number[] | undefined): string {
  if (path === undefined) return "";
  const locations = message.file.proto.sourceCodeInfo?.location ?? [];
  const location = locations.find((l) => samePath(l.path, path));
  return clean(location?.leadingComments ?? "");
}

/** The comment above a message declaration ("" when none). */
export function messageComment(message: DescMessage): string {
  return commentAt(message, messagePath(message));
}

/** The comment above a field declaration ("" when none). */
export function fieldComment(field: DescField): string {
  return commentAt(field.parent, fieldPath(field));
}
