import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import protobuf from 'protobufjs';
import type { Method, Namespace, ReflectionObject, Root, Service, Type } from 'protobufjs';
import type { MessageCodecs } from './codec.js';
import { createJsonCodec } from './codec-json.js';
import { createProtobufCodec, typeDisplayName, type ObjectConversion } from './codec-protobuf.js';
import type { IdempotencyLevel, MethodDescriptor, MethodKind } from './method-descriptor.js';

/**
 * The `loader` options of Nest's GrpcOptions / @grpc/proto-loader, with the same names and
 * values (`longs: String` is the constructor), so an existing config ports unchanged.
 * Conversion defaults are documented on {@link ObjectConversion}.
 */
export interface LoaderOptions extends ObjectConversion {
  /** Keep field names as written in the .proto instead of lowerCamelCase. Default false. */
  keepCase?: boolean;
  /** Directories searched, in order, for imports and for relative `protoPath` entries. */
  includeDirs?: string[];
}

export interface ProtoLoadOptions {
  /** One or more .proto files; relative paths resolve against the cwd, then `includeDirs`. */
  protoPath: string | string[];
  /** Expose only services in these packages (and their sub-packages). Default: all. */
  package?: string | string[];
  loader?: LoaderOptions;
}

/** One service as protocols and the Nest layer address it. */
export interface ServiceDescriptor {
  /** Package-qualified name, e.g. `echo.v1.EchoService`. */
  readonly name: string;
  readonly shortName: string;
  /** Package, e.g. `echo.v1`; empty for a service outside any package. */
  readonly package: string;
  readonly methods: readonly MethodDescriptor[];
}

/** Everything read from the .proto files, indexed for the lookups routing does at startup. */
export interface LoadedProtos {
  readonly root: Root;
  readonly services: readonly ServiceDescriptor[];
  readonly methods: readonly MethodDescriptor[];
  /** By path, `/echo.v1.EchoService/Echo`. */
  findMethod(path: string): MethodDescriptor | undefined;
  /** By qualified or short name; a short name shared by two packages finds nothing. */
  findService(name: string): ServiceDescriptor | undefined;
  /** A message type by (optionally dot-prefixed) full name; throws if there is none. */
  lookupType(name: string): Type;
}

/**
 * protobufjs bundles only some google/protobuf files as JSON; the rest (descriptor.proto
 * for custom options, type.proto, api.proto ...) ship as .proto files inside the package,
 * so its directory is the last place imports are searched.
 */
const protobufjsDir = dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));

const idempotencyLevels: ReadonlySet<string> = new Set(['IDEMPOTENCY_UNKNOWN', 'NO_SIDE_EFFECTS', 'IDEMPOTENT']);

/**
 * Loads .proto files synchronously (startup only) into one protobufjs Root and builds the
 * method descriptors protocols route by. Codecs are built once per message type and shared
 * by every method using it, so the per-message path does no lookups.
 * Throws an Error naming the file for a missing file or a syntax error, and naming the
 * package for an unknown `package`.
 */
export function loadProtos(options: ProtoLoadOptions): LoadedProtos {
  const loader = options.loader ?? {};
  const files = Array.isArray(options.protoPath) ? options.protoPath : [options.protoPath];
  if (files.length === 0) throw new Error('loadProtos: protoPath is empty');
  const root = new protobuf.Root();
  const searchDirs = [...(loader.includeDirs ?? []).map((dir) => resolve(dir)), protobufjsDir];
  root.resolvePath = (origin, target) => resolveImport(origin, target, searchDirs);
  try {
    root.loadSync(files, { keepCase: loader.keepCase ?? false });
    root.resolveAll();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load ${files.join(', ')}: ${message}`, { cause: error });
  }

  const codecs = new Map<string, MessageCodecs>();
  const codecsOf = (type: Type): MessageCodecs => {
    let pair = codecs.get(type.fullName);
    if (!pair) {
      pair = { proto: createProtobufCodec(type, loader), json: createJsonCodec(type, loader) };
      codecs.set(type.fullName, pair);
    }
    return pair;
  };

  const services = selectServices(root, options.package).map((service) => describeService(service, codecsOf));
  return indexProtos(root, services);
}

/**
 * Import resolution as @grpc/proto-loader does it, so Nest configs keep working: absolute as
 * is, then relative to the importing file (or the cwd for a protoPath entry), then each
 * include dir. A miss is reported with the places searched, naming the file.
 */
function resolveImport(origin: string, target: string, searchDirs: readonly string[]): string {
  if (isAbsolute(target)) return target;
  const candidates = [origin ? join(dirname(origin), target) : resolve(target), ...searchDirs.map((dir) => join(dir, target))];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return resolve(found);
  const from = origin ? ` imported by ${origin}` : '';
  throw new Error(`file not found: ${target}${from} (searched ${candidates.join(', ')})`);
}

function selectServices(root: Root, packages: string | string[] | undefined): Service[] {
  if (packages === undefined) return collectServices(root);
  const names = Array.isArray(packages) ? packages : [packages];
  const seen = new Set<Service>();
  for (const name of names) {
    const namespace = findPackage(root, name);
    if (!namespace) throw new Error(`package "${name}" is not defined in the loaded .proto files`);
    for (const service of collectServices(namespace)) seen.add(service);
  }
  return [...seen];
}

/**
 * Walks the package path from the root. Not `root.lookup`, which also matches relative
 * names inside nested namespaces (`v1` would find `echo.v1`) and messages or services.
 */
function findPackage(root: Root, name: string): Namespace | undefined {
  let namespace: Namespace = root;
  for (const part of name.split('.')) {
    if (part === '') continue;
    const next = namespace.nested && Object.hasOwn(namespace.nested, part) ? namespace.nested[part] : undefined;
    if (!isPackage(next)) return undefined;
    namespace = next;
  }
  return namespace;
}

/** A plain namespace: messages and services are namespaces in protobufjs too. */
function isPackage(object: ReflectionObject | undefined): object is Namespace {
  return object instanceof protobuf.Namespace && !(object instanceof protobuf.Type) && !(object instanceof protobuf.Service);
}

/** Services in a namespace and all nested namespaces, in declaration order. */
function collectServices(namespace: Namespace): Service[] {
  const out: Service[] = [];
  const visit = (object: ReflectionObject): void => {
    if (object instanceof protobuf.Service) out.push(object);
    else if (object instanceof protobuf.Namespace) for (const nested of object.nestedArray) visit(nested);
  };
  visit(namespace);
  return out;
}

function describeService(service: Service, codecsOf: (type: Type) => MessageCodecs): ServiceDescriptor {
  const name = typeDisplayName(service);
  const packageName = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
  const methods = service.methodsArray.map((method): MethodDescriptor => {
    method.resolve();
    const input = method.resolvedRequestType!;
    const output = method.resolvedResponseType!;
    return Object.freeze({
      service: name,
      serviceShortName: service.name,
      name: method.name,
      path: `/${name}/${method.name}`,
      kind: methodKind(method),
      idempotency: idempotencyOf(method),
      inputType: typeDisplayName(input),
      outputType: typeDisplayName(output),
      input: codecsOf(input),
      output: codecsOf(output),
    });
  });
  return Object.freeze({ name, shortName: service.name, package: packageName, methods: Object.freeze(methods) });
}

function methodKind(method: Method): MethodKind {
  if (method.requestStream) return method.responseStream ? 'bidi_streaming' : 'client_streaming';
  return method.responseStream ? 'server_streaming' : 'unary';
}

/** protobufjs keeps `option idempotency_level = X;` as `options.idempotency_level: 'X'`. */
function idempotencyOf(method: Method): IdempotencyLevel {
  const level: unknown = method.options?.['idempotency_level'];
  return typeof level === 'string' && idempotencyLevels.has(level) ? (level as IdempotencyLevel) : 'IDEMPOTENCY_UNKNOWN';
}

function indexProtos(root: Root, services: ServiceDescriptor[]): LoadedProtos {
  const methods = services.flatMap((service) => service.methods);
  const byPath = new Map(methods.map((method) => [method.path, method]));
  const byName = new Map<string, ServiceDescriptor>();
  const shortCounts = new Map<string, number>();
  for (const service of services) {
    byName.set(service.name, service);
    shortCounts.set(service.shortName, (shortCounts.get(service.shortName) ?? 0) + 1);
  }
  for (const service of services) {
    // A qualified name always wins; an ambiguous short name resolves to nothing rather
    // than to whichever package happened to load first.
    if (shortCounts.get(service.shortName) === 1 && !byName.has(service.shortName)) byName.set(service.shortName, service);
  }
  return Object.freeze({
    root,
    services: Object.freeze(services),
    methods: Object.freeze(methods),
    findMethod: (path: string) => byPath.get(path),
    findService: (name: string) => byName.get(name),
    lookupType: (name: string) => root.lookupType(name.startsWith('.') ? name : `.${name}`),
  });
}
