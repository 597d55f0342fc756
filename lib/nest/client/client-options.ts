import type { ClientTransportOptions } from '../../core/client-options.js';
import type { ProtoLoadOptions } from '../../core/proto-loader.js';
import type { TripleClientOptions } from '../interfaces/triple-client-options.interface.js';

/** Default of {@link TripleClientOptions.maxBufferedRequests}. */
export const DEFAULT_MAX_BUFFERED_REQUESTS = 1024;

/** What every call of one client starts from; per-call TripleCallOptions override each field. */
export interface CallDefaults {
  /** Relative deadline in ms; undefined = none. */
  readonly timeout: number | undefined;
  readonly group: string | undefined;
  readonly version: string | undefined;
}

/** TripleClientOptions split by who consumes them, with the client's own fields checked. */
export interface ResolvedTripleClientOptions {
  /** For the transport factory, which validates these itself. `timeout` is left out: see CallDefaults. */
  readonly transport: ClientTransportOptions;
  readonly protos: ProtoLoadOptions;
  readonly defaults: CallDefaults;
  readonly maxBufferedRequests: number;
}

/**
 * The one place the Nest client's options are checked. Throws a TypeError naming the option at
 * construction (module init), so a typo never surfaces as a failed call later. Transport options
 * are checked by the transport factory, which runs right after this.
 */
export function resolveTripleClientOptions(options: TripleClientOptions): ResolvedTripleClientOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const { protoPath, package: pkg, loader, maxBufferedRequests, timeout, ...transport } = options;
  if (!isStringOrStrings(protoPath)) fail('protoPath (a .proto file or an array of them) is required');
  if (pkg !== undefined && !isStringOrStrings(pkg)) fail('package must be a string or an array of strings');
  if (loader !== undefined && (typeof loader !== 'object' || loader === null)) fail('loader must be an object');
  return {
    transport,
    protos: { protoPath, package: pkg, loader },
    defaults: {
      timeout: checkTimeout('timeout', timeout),
      group: checkServiceKeyPart('group', options.group),
      version: checkServiceKeyPart('version', options.version),
    },
    maxBufferedRequests: checkBufferSize(maxBufferedRequests),
  };
}

/**
 * A deadline in ms: a positive number, or `Infinity` for none (useful per call, to opt out of
 * the client's default). Returns undefined for no deadline.
 */
export function checkTimeout(name: string, value: unknown): number | undefined {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(`${name} must be a positive number of ms (or Infinity for none), got ${String(value)}`);
  return value;
}

/** Dubbo group or version: printable ASCII, sent as a header; '' means unset. */
export function checkServiceKeyPart(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) fail(`${name} must be a printable ASCII string`);
  return value;
}

function checkBufferSize(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_BUFFERED_REQUESTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(`maxBufferedRequests must be an integer >= 0, got ${String(value)}`);
  return value;
}

function isStringOrStrings(value: unknown): value is string | string[] {
  if (typeof value === 'string') return value.length > 0;
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0);
}

function fail(message: string): never {
  throw new TypeError(`TripleClient: ${message}`);
}
