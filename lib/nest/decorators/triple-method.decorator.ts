import { MessagePattern } from '@nestjs/microservices';
import {
  TRIPLE_GROUP_EXTRA,
  TRIPLE_METHOD_METADATA,
  TRIPLE_SERVICE_METADATA,
  TRIPLE_TRANSPORT,
  TRIPLE_VERSION_EXTRA,
  TripleStreamingType,
  type TriplePattern,
  type TripleRouteExtras,
} from '../constants.js';
import { tripleHttpExceptionFilter } from '../exceptions/triple-http-exception.filter.js';

/** Dubbo routing of one handler; unset values fall back to `@TripleService`'s. */
export interface TripleRouteOptions {
  /** Dubbo group (`tri-service-group`) this handler answers. */
  group?: string;
  /** Dubbo version (`tri-service-version`) this handler answers. */
  version?: string;
}

/** Single-object form of the method decorators' arguments. */
export interface TripleMethodOptions extends TripleRouteOptions {
  /** Proto service name, short (`HeroService`) or package-qualified. Default: `@TripleService` name, else the class name. */
  service?: string;
  /** Proto method name. Default: the method name with its first letter capitalised. */
  rpc?: string;
}

/** What a method decorator was explicitly given, kept on the handler for `@TripleService`. */
export interface TripleMethodMetadata extends TripleRouteOptions {
  service?: string;
  rpc: string;
  streaming: TripleStreamingType;
}

/** Class-level defaults `@TripleService` stores (see TRIPLE_SERVICE_METADATA). */
export interface TripleServiceDefaults extends TripleRouteOptions {
  name?: string;
}

/** The argument shapes shared by `@TripleMethod` and `@TripleStreamMethod`. */
export type TripleMethodArgs = [options?: TripleMethodOptions] | [service?: string, rpcOrOptions?: string | TripleRouteOptions, options?: TripleRouteOptions];

/**
 * Nest's `ROUTE_ARGS_METADATA` ('__routeArguments__') and the RpcParamtype values PAYLOAD (3)
 * and CONTEXT (6). Neither is exported from a package root (v12 moved them to `*\/internal`,
 * v11 keeps them at deep CJS paths), but they have been stable since Nest 6; the decorator spec
 * boots a real Nest app, so a change would fail the tests, not users.
 */
const ROUTE_ARGS_METADATA = '__routeArguments__';
const PAYLOAD_PARAM = 3;
const CONTEXT_PARAM = 6;
/** Nest's `EXCEPTION_FILTERS_METADATA`, same story as above; needed to put our filter first. */
const EXCEPTION_FILTERS_METADATA = '__exceptionFilters__';

/**
 * Marks a unary or server-streaming handler. Forms: `@TripleMethod()`, `@TripleMethod(service)`,
 * `@TripleMethod(service, rpc)`, `@TripleMethod(service, rpc, {group, version})`,
 * `@TripleMethod(service, {group, version})`, `@TripleMethod({service, rpc, group, version})`.
 *
 * Registers `{service, rpc, streaming: 'no_stream'}` (the pattern shape of `@GrpcMethod`, with
 * the same defaults) for TRIPLE_TRANSPORT only, with group/version as pattern extras. Unlike
 * `@GrpcMethod` on a custom transport, the handler receives `(request, ctx: TripleContext)` even
 * without `@Payload()`/`@Ctx()`; once any parameter decorator is used, Nest's rules apply.
 * Also binds TripleHttpExceptionFilter at method level so HttpExceptions keep their meaning
 * (which means class-level and global filters no longer see HttpExceptions of this handler;
 * see the filter's notes).
 * The handler may return a value, a Promise, an Observable or an AsyncIterable (pulled as fast
 * as the client reads).
 */
export function TripleMethod(options?: TripleMethodOptions): MethodDecorator;
export function TripleMethod(service: string | undefined, options?: TripleRouteOptions): MethodDecorator;
export function TripleMethod(service: string | undefined, rpc: string | undefined, options?: TripleRouteOptions): MethodDecorator;
export function TripleMethod(...args: TripleMethodArgs): MethodDecorator {
  return createTripleMethodDecorator(TripleStreamingType.NO_STREAMING, args, 'TripleMethod');
}

/** @internal Shared by `@TripleMethod` and `@TripleStreamMethod`. */
export function createTripleMethodDecorator(streaming: TripleStreamingType, args: TripleMethodArgs, name: string): MethodDecorator {
  const options = parseMethodArgs(args);
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    if (typeof descriptor?.value !== 'function') throw new TypeError(`@${name}() decorates methods only (${String(key)})`);
    if (typeof key === 'symbol' && !options.rpc) throw new TypeError(`@${name}() on a symbol-named method needs an explicit rpc name`);
    const record: TripleMethodMetadata = { ...options, rpc: options.rpc ?? capitalize(String(key)), streaming };
    Reflect.defineMetadata(TRIPLE_METHOD_METADATA, record, descriptor.value);
    const ctor = (target as { constructor: Function }).constructor;
    applyTriplePattern(target, key, descriptor, record, ctor.name, Reflect.getMetadata(TRIPLE_SERVICE_METADATA, ctor));
    seedDefaultParams(ctor, key);
    prependFilter(descriptor.value);
    return descriptor;
  };
}

/**
 * @internal (Re)registers the Nest pattern and extras of one handler from what its decorator was
 * given plus class defaults. Method decorators run before class decorators, so `@TripleService`
 * calls this again for each handler it finds; Nest reads pattern and extras only when the app
 * boots, by which time both have run.
 */
export function applyTriplePattern(
  target: object,
  key: string | symbol,
  descriptor: PropertyDescriptor,
  record: TripleMethodMetadata,
  className: string,
  classDefaults: TripleServiceDefaults | undefined,
): void {
  const pattern: TriplePattern = { service: record.service ?? classDefaults?.name ?? className, rpc: record.rpc, streaming: record.streaming };
  const extras: TripleRouteExtras = {};
  const group = record.group ?? classDefaults?.group;
  const version = record.version ?? classDefaults?.version;
  if (group !== undefined) extras[TRIPLE_GROUP_EXTRA] = group;
  if (version !== undefined) extras[TRIPLE_VERSION_EXTRA] = version;
  MessagePattern(pattern, TRIPLE_TRANSPORT, extras)(target, key, descriptor);
}

function parseMethodArgs(args: TripleMethodArgs): TripleMethodOptions {
  const [first, second, third] = args;
  if (typeof first === 'object' && first !== null) return pickDefined({ ...first });
  const service = first || undefined;
  if (typeof second === 'object' && second !== null) return pickDefined({ service, group: second.group, version: second.version });
  return pickDefined({ service, rpc: second || undefined, group: third?.group, version: third?.version });
}

function pickDefined(options: TripleMethodOptions): TripleMethodOptions {
  const out: TripleMethodOptions = {};
  for (const k of ['service', 'rpc', 'group', 'version'] as const) if (options[k] !== undefined) out[k] = options[k];
  return out;
}

/** Same default as Nest's createGrpcMethodMetadata: `findOne` -> `FindOne`. */
function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * Without parameter decorators Nest passes a custom transport's handler only the payload
 * (DEFAULT_CALLBACK_METADATA; the `(data, ctx, call)` default is reserved for `instanceof
 * ServerGrpc`). We write the metadata `@Payload() @Ctx()` would, unless the method has its own:
 * parameter decorators run before method decorators, so the user's always win.
 */
function seedDefaultParams(ctor: Function, key: string | symbol): void {
  if (Reflect.getOwnMetadata(ROUTE_ARGS_METADATA, ctor, key) !== undefined) return;
  Reflect.defineMetadata(
    ROUTE_ARGS_METADATA,
    {
      [`${PAYLOAD_PARAM}:0`]: { index: 0, data: undefined, pipes: [] },
      [`${CONTEXT_PARAM}:1`]: { index: 1, data: undefined, pipes: [] },
    },
    ctor,
    key,
  );
}

/**
 * Puts the shared TripleHttpExceptionFilter first in the method's filter list. Nest consults the
 * list last-to-first, so filters the user binds with `@UseFilters` on the method take precedence
 * whichever side of our decorator they are written on (UseFilters appends).
 */
function prependFilter(handler: Function): void {
  const existing: unknown[] = Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, handler) ?? [];
  if (existing.includes(tripleHttpExceptionFilter)) return;
  Reflect.defineMetadata(EXCEPTION_FILTERS_METADATA, [tripleHttpExceptionFilter, ...existing], handler);
}
