// Lookups server reflection answers from a set of FileDescriptorProtos: a file by name, the
// file declaring a symbol or an extension, the extension numbers of a message, and a file
// with everything it imports, transitively. Built once per server; every answer is a map
// lookup over bytes serialized at construction.
import { toBinary } from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import { checkImports } from "./descriptor-imports.js";

interface IndexedFile {
  readonly proto: FileDescriptorProto;
  /** The FileDescriptorProto serialized, as reflection sends it. */
  readonly bytes: Uint8Array;
}

/** Strips the leading dot of a fully-qualified reference (".pkg.Msg" -> "pkg.Msg"). */
function bareName(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}

function qualify(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}

export class DescriptorIndex {
  private readonly files = new Map<string, IndexedFile>();
  /** Fully-qualified symbol -> name of the file declaring it. */
  private readonly symbols = new Map<string, string>();
  private readonly messageNames = new Set<string>();
  /** Extended message -> field number -> name of the file declaring the extension. */
  private readonly extensions = new Map<string, Map<number, string>>();
  private readonly closures = new Map<string, readonly Uint8Array[]>();

  /**
   * Indexes `files`. When two files share a name, or two declarations a symbol, the first
   * wins. Throws IncompleteDescriptorSetError when a file imports one that is not given.
   */
  constructor(files: Iterable<FileDescriptorProto>) {
    for (const proto of files) {
      if (this.files.has(proto.name)) continue;
      this.files.set(proto.name, { proto, bytes: toBinary(FileDescriptorProtoSchema, proto) });
      this.indexFile(proto);
    }
    checkImports([...this.files.values()].map(({ proto }) => proto));
  }

  /** Whether a file of that name (e.g. "k8ts/api/v1/pod.proto") is indexed. */
  hasFile(name: string): boolean {
    return this.files.has(name);
  }

  /**
   * The file declaring a fully-qualified symbol: a service, method, message (nested ones as
   * "pkg.Outer.Inner"), field, oneof, enum, enum value or extension. Enum values are found
   * under their protobuf name, a sibling of the enum ("pkg.VALUE"), and under the enum
   * ("pkg.Enum.VALUE"). A leading dot is accepted.
   */
  fileContainingSymbol(symbol: string): string | undefined {
    return this.symbols.get(bareName(symbol));
  }

  /** The file declaring extension `number` of message `extendee`. */
  fileContainingExtension(extendee: string, number: number): string | undefined {
    return this.extensions.get(bareName(extendee))?.get(number);
  }

  /**
   * Every extension number of message `typeName`, ascending; undefined when the index has
   * no such message.
   */
  extensionNumbers(typeName: string): number[] | undefined {
    const name = bareName(typeName);
    if (!this.messageNames.has(name)) return undefined;
    return [...(this.extensions.get(name)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * The serialized file followed by every file it imports, transitively (breadth first,
   * each once): all a client needs to resolve its references in one answer. Undefined
   * when there is no such file.
   */
  fileWithDependencies(name: string): readonly Uint8Array[] | undefined {
    const cached = this.closures.get(name);
    if (cached !== undefined) return cached;
    if (!this.files.has(name)) return undefined;
    const result: Uint8Array[] = [];
    const seen = new Set<string>([name]);
    const queue = [name];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const file = this.files.get(next);
      // The constructor checked that every import is present.
      if (file === undefined) continue;
      result.push(file.bytes);
      for (const dependency of file.proto.dependency) {
        if (seen.has(dependency)) continue;
        seen.add(dependency);
        queue.push(dependency);
      }
    }
    this.closures.set(name, result);
    return result;
  }

  private addSymbol(fullName: string, file: string): void {
    if (!this.symbols.has(fullName)) this.symbols.set(fullName, file);
  }

  private indexFile(file: FileDescriptorProto): void {
    const pkg = file.package;
    for (const message of file.messageType) this.indexMessage(message, pkg, file.name);
    for (const enumType of file.enumType) this.indexEnum(enumType, pkg, file.name);
    for (const extension of file.extension) this.indexExtension(extension, pkg, file.name);
    for (const service of file.service) {
      const serviceName = qualify(pkg, service.name);
      this.addSymbol(serviceName, file.name);
      for (const method of service.method)
        this.addSymbol(`${serviceName}.${method.name}`, file.name);
    }
  }

  private indexMessage(message: DescriptorProto, scope: string, file: string): void {
    const name = qualify(scope, message.name);
    this.addSymbol(name, file);
    this.messageNames.add(name);
    for (const field of message.field) this.addSymbol(`${name}.${field.name}`, file);
    for (const oneof of message.oneofDecl) this.addSymbol(`${name}.${oneof.name}`, file);
    for (const nested of message.nestedType) this.indexMessage(nested, name, file);
    for (const enumType of message.enumType) this.indexEnum(enumType, name, file);
    for (const extension of message.extension) this.indexExtension(extension, name, file);
  }

  private indexEnum(enumType: EnumDescriptorProto, scope: string, file: string): void {
    const name = qualify(scope, enumType.name);
    this.addSymbol(name, file);
    for (const value of enumType.value) {
      this.addSymbol(qualify(scope, value.name), file);
      this.addSymbol(`${name}.${value.name}`, file);
    }
  }

  private indexExtension(extension: FieldDescriptorProto, scope: string, file: string): void {
    this.addSymbol(qualify(scope, extension.name), file);
    const extendee = bareName(extension.extendee);
    let byNumber = this.extensions.get(extendee);
    if (byNumber === undefined) {
      byNumber = new Map();
      this.extensions.set(extendee, byNumber);
    }
    if (!byNumber.has(extension.number)) byNumber.set(extension.number, file);
  }
}
