import { MethodKind, proto3, ScalarType, type EnumType, type MessageType, type ServiceType } from '@bufbuild/protobuf';

/** A field description as makeMessageType takes it (FieldInfo minus what it derives). */
type PartialFieldInfo = Parameters<typeof proto3.makeMessageType>[1] extends infer F ? (F extends () => Array<infer I> ? I : F extends Array<infer I> ? I : never) : never;
import protobuf from 'protobufjs';
import { join } from 'node:path';
import { GRPC_TESTING_DIR, TEST_PROTO } from '../harness/interop-data.js';

/**
 * @bufbuild/protobuf v1 runtime types (what connect-es v1 and dubbo-js 3.0.0-alpha take in
 * place of generated code) for the interop services, built at load time from the same .proto
 * files through protobufjs' reflection - no code generation step, no copy of the messages.
 * Supports what test.proto/messages.proto use: proto3 scalars, enums, messages, repeated.
 */
const SCALARS: Record<string, ScalarType> = {
  double: ScalarType.DOUBLE,
  float: ScalarType.FLOAT,
  int64: ScalarType.INT64,
  uint64: ScalarType.UINT64,
  int32: ScalarType.INT32,
  fixed64: ScalarType.FIXED64,
  fixed32: ScalarType.FIXED32,
  bool: ScalarType.BOOL,
  string: ScalarType.STRING,
  bytes: ScalarType.BYTES,
  uint32: ScalarType.UINT32,
  sfixed32: ScalarType.SFIXED32,
  sfixed64: ScalarType.SFIXED64,
  sint32: ScalarType.SINT32,
  sint64: ScalarType.SINT64,
};

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(GRPC_TESTING_DIR, target);
  root.loadSync(TEST_PROTO, { keepCase: true });
  root.resolveAll();
  return root;
}

const root = loadRoot();
const messages = new Map<string, MessageType>();
const enums = new Map<string, EnumType>();

function fullName(obj: protobuf.ReflectionObject): string {
  return obj.fullName.replace(/^\./, '');
}

function enumType(e: protobuf.Enum): EnumType {
  const name = fullName(e);
  let type = enums.get(name);
  if (!type) {
    type = proto3.makeEnumType(
      name,
      Object.entries(e.values).map(([valueName, no]) => ({ no, name: valueName })),
    );
    enums.set(name, type);
  }
  return type;
}

function messageType(t: protobuf.Type): MessageType {
  const name = fullName(t);
  let type = messages.get(name);
  if (!type) {
    // Fields are resolved lazily, so message cycles and forward references work.
    type = proto3.makeMessageType(name, () => t.fieldsArray.map((f) => fieldInfo(f)));
    messages.set(name, type);
  }
  return type;
}

function fieldInfo(f: protobuf.Field): PartialFieldInfo {
  if (f.map) throw new Error(`bufbuild-types: map field ${f.fullName} is not supported (not used by the interop services)`);
  const base = { no: f.id, name: f.name, repeated: f.repeated || undefined };
  const scalar = SCALARS[f.type];
  if (scalar !== undefined) return { ...base, kind: 'scalar', T: scalar } as PartialFieldInfo;
  const resolved = f.resolvedType;
  if (resolved instanceof protobuf.Enum) return { ...base, kind: 'enum', T: enumType(resolved) } as PartialFieldInfo;
  if (resolved instanceof protobuf.Type) return { ...base, kind: 'message', T: messageType(resolved) } as PartialFieldInfo;
  throw new Error(`bufbuild-types: cannot map field ${f.fullName} of type ${f.type}`);
}

function lowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** The ServiceType of a service in the interop protos, e.g. `grpc.testing.TestService`. */
export function serviceType(name: string): ServiceType {
  const service = root.lookupService(name);
  const methods: Record<string, unknown> = {};
  for (const m of service.methodsArray) {
    m.resolve();
    const kind = m.requestStream ? (m.responseStream ? MethodKind.BiDiStreaming : MethodKind.ClientStreaming) : m.responseStream ? MethodKind.ServerStreaming : MethodKind.Unary;
    methods[lowerCamel(m.name)] = { name: m.name, I: messageType(m.resolvedRequestType!), O: messageType(m.resolvedResponseType!), kind };
  }
  return { typeName: fullName(service), methods } as unknown as ServiceType;
}

export const TestServiceType = serviceType('grpc.testing.TestService');
export const UnimplementedServiceType = serviceType('grpc.testing.UnimplementedService');

