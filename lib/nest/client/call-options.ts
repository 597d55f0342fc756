import type { ServiceKey } from '../../core/call-context.js';
import { Metadata, type MetadataValue } from '../../core/metadata.js';
import { checkServiceKeyPart, checkTimeout, type CallDefaults } from './client-options.js';

/** Request metadata as a Metadata instance or a plain object (`-bin` keys take Buffers). */
export type MetadataInit = Metadata | Record<string, MetadataValue | MetadataValue[]>;

/**
 * Per-call settings: the last argument of every service-stub method, e.g.
 * `heroes.findOne({ id: 1 }, { metadata: { authorization: 'Bearer x' }, timeout: 2000 })`.
 * As a gRPC shorthand, a bare Metadata instance is accepted in its place (`findOne(req, md)`).
 *
 * Response metadata: `onHeader` runs when the response headers arrive (before the first
 * message is emitted), `onTrailer` once the call ended OK (before completion). When the call
 * fails, the trailers are the error's `metadata` (a TripleException) and `onTrailer` is not called.
 */
export interface TripleCallOptions {
  /** Request metadata, sent as headers. Merged over Nest 12's dispatch-hook metadata. */
  metadata?: MetadataInit;
  /**
   * Deadline, ms from the start of the call; the call then fails with DEADLINE_EXCEEDED and the
   * server's handler is aborted. Default: the client's `timeout` option. `Infinity` = no deadline.
   */
  timeout?: number;
  /** Aborting it cancels the call (RST_STREAM CANCEL); the call fails with CANCELLED. */
  signal?: AbortSignal;
  /** Dubbo group (tri-service-group). Default: the client's `group` option; '' sends none. */
  group?: string;
  /** Dubbo version (tri-service-version). Default: the client's `version` option; '' sends none. */
  version?: string;
  /** Receives the response headers. */
  onHeader?: (header: Metadata) => void;
  /** Receives the response trailers of a successful call. */
  onTrailer?: (trailer: Metadata) => void;
}

/** A call's options checked and merged with the client's defaults, before the call starts. */
export interface PreparedCallOptions {
  readonly metadata: Metadata | undefined;
  readonly timeoutMs: number | undefined;
  readonly serviceKey: ServiceKey;
  readonly signal: AbortSignal | undefined;
  readonly onHeader: ((header: Metadata) => void) | undefined;
  readonly onTrailer: ((trailer: Metadata) => void) | undefined;
}

/**
 * Checks per-call options when the stub method is called (not when the Observable is
 * subscribed), so a wrong option throws at the line that wrote it. Throws a TypeError.
 */
export function prepareCallOptions(options: TripleCallOptions | Metadata | undefined, defaults: CallDefaults): PreparedCallOptions {
  const opts: TripleCallOptions = options instanceof Metadata ? { metadata: options } : (options ?? {});
  if (typeof opts !== 'object' || opts === null) fail(`call options must be an object, got ${typeof opts}`);
  const { signal, onHeader, onTrailer } = opts;
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal must be an AbortSignal');
  if (onHeader !== undefined && typeof onHeader !== 'function') fail('onHeader must be a function');
  if (onTrailer !== undefined && typeof onTrailer !== 'function') fail('onTrailer must be a function');
  const group = opts.group === undefined ? defaults.group : checkServiceKeyPart('group', opts.group);
  const version = opts.version === undefined ? defaults.version : checkServiceKeyPart('version', opts.version);
  const serviceKey: ServiceKey = {};
  if (group !== undefined) serviceKey.group = group;
  if (version !== undefined) serviceKey.version = version;
  return {
    metadata: toMetadata(opts.metadata),
    timeoutMs: opts.timeout === undefined ? defaults.timeout : checkTimeout('timeout', opts.timeout),
    serviceKey,
    signal,
    onHeader,
    onTrailer,
  };
}

/** Metadata from either init form; plain objects are validated (TypeError on a bad key or value). */
export function toMetadata(init: MetadataInit | undefined): Metadata | undefined {
  if (init === undefined) return undefined;
  if (init instanceof Metadata) return init;
  if (typeof init !== 'object' || init === null) fail('metadata must be a Metadata or a plain object');
  return new Metadata(init);
}

/**
 * Request metadata of one call: Nest 12's packet metadata (`ReadPacket.metadata`, set by a
 * `setOnDispatchHook` hook - trace ids, tenants) first, then the call's own metadata, which
 * replaces a key the hook also set. Never mutates either input.
 */
export function mergePacketMetadata(packet: Record<string, string> | undefined, own: Metadata | undefined): Metadata | undefined {
  if (!packet || Object.keys(packet).length === 0) return own;
  const merged = new Metadata();
  for (const [key, value] of Object.entries(packet)) {
    if (value !== undefined && value !== null) merged.set(key, String(value));
  }
  if (own) {
    for (const [key, values] of own.entries()) {
      merged.delete(key);
      for (const value of values) merged.add(key, value);
    }
  }
  return merged;
}

function fail(message: string): never {
  throw new TypeError(`TripleClient: ${message}`);
}
