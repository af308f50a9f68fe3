// A serialized google.protobuf.FileDescriptorSet read on the wire, reading only each
// file's name and imports and copying the files byte for byte: enough to check a set and
// to cut it down, without decoding it (which, for the whole k8ts API with
// google/protobuf/descriptor.proto and source info, costs megabytes of heap and loads the
// protobuf runtime in each of the hundreds of plugin processes of a simulated cluster).
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { IncompleteDescriptorSetError, type FileImports } from "./descriptor-imports.js";
import { expectWireType } from "./wire-codec.js";

/** FileDescriptorSet.file */
const SET_FILE = 1;
/** FileDescriptorProto.name */
const FILE_NAME = 1;
/** FileDescriptorProto.dependency */
const FILE_DEPENDENCY = 3;

interface WireFile extends FileImports {
  readonly bytes: Uint8Array;
}

/**
 * The name and imports of each file of `descriptorSet`, in order (the first of two files
 * with one name wins). Throws MalformedMessageError when it is not a FileDescriptorSet.
 */
export function fileImports(descriptorSet: Uint8Array): FileImports[] {
  return [...wireFiles(descriptorSet).values()].map(({ name, dependency }) => ({
    name,
    dependency,
  }));
}

/**
 * The files `roots` (e.g. ["k8ts/runtime/v1/runtime.proto"]) of `descriptorSet`, and every
 * file they import, transitively: a serialized FileDescriptorSet, in the order of the
 * original set, each file's bytes unchanged. A server passes it to addReflection to
 * describe only what it serves. Throws IncompleteDescriptorSetError when a root or an
 * import is missing from the set, and MalformedMessageError when it is not a
 * FileDescriptorSet.
 */
export function descriptorSubset(descriptorSet: Uint8Array, roots: readonly string[]): Uint8Array {
  const files = wireFiles(descriptorSet);
  const wanted = new Set<string>();
  const visit = (name: string, importedBy: string | undefined): void => {
    if (wanted.has(name)) return;
    const file = files.get(name);
    if (file === undefined)
      throw new IncompleteDescriptorSetError(
        importedBy === undefined
          ? `descriptor set has no file ${name}`
          : `descriptor set lacks ${name}, imported by ${importedBy}`,
      );
    wanted.add(name);
    for (const dependency of file.dependency) visit(dependency, name);
  };
  for (const root of roots) visit(root, undefined);
  const writer = new BinaryWriter();
  for (const [name, file] of files)
    if (wanted.has(name)) writer.tag(SET_FILE, WireType.LengthDelimited).bytes(file.bytes);
  return writer.finish();
}

function wireFiles(descriptorSet: Uint8Array): Map<string, WireFile> {
  const files = new Map<string, WireFile>();
  const reader = new BinaryReader(descriptorSet);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field !== SET_FILE) {
      reader.skip(wireType, field);
      continue;
    }
    expectWireType(wireType, WireType.LengthDelimited, "FileDescriptorSet.file");
    const bytes = reader.bytes();
    const { name, dependency } = nameAndImports(bytes);
    if (!files.has(name)) files.set(name, { name, dependency, bytes });
  }
  return files;
}

function nameAndImports(file: Uint8Array): FileImports {
  const reader = new BinaryReader(file);
  let name = "";
  const dependency: string[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === FILE_NAME) {
      expectWireType(wireType, WireType.LengthDelimited, "FileDescriptorProto.name");
      name = reader.string();
    } else if (field === FILE_DEPENDENCY) {
      expectWireType(wireType, WireType.LengthDelimited, "FileDescriptorProto.dependency");
      dependency.push(reader.string());
    } else reader.skip(wireType, field);
  }
  return { name, dependency };
}
