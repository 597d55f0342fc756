import { decodeBinaryHeader, encodeBinaryHeader } from './binary-header.js';

export type MetadataValue = string | Buffer;

/** Header values as node:http2 / node:http hand them over. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;
/** Header values as node:http2 / node:http accept them. */
export type OutgoingHeaders = Record<string, string | string[] | number>;

const validKey = /^[0-9a-z_.-]+$/;

/**
 * Case-insensitive, multi-valued request or response metadata. Keys ending in `-bin` hold
 * bytes (Buffer) and travel as unpadded base64; all other values are printable-ASCII strings.
 * This is the type handlers see in TripleContext and the client passes per call.
 */
export class Metadata {
  /** Created on the first write: most calls carry no response metadata, and a Map is not free. */
  private map: Map<string, MetadataValue[]> | undefined;
  /** Incoming headers not parsed yet: {@link fromHeaders} defers the work until the first read. */
  private source: HeaderSource | undefined;

  constructor(init?: Record<string, MetadataValue | MetadataValue[]>) {
    if (init) for (const [key, value] of Object.entries(init)) {
      for (const v of Array.isArray(value) ? value : [value]) this.add(key, v);
    }
  }

  /** Replaces every value of `key`. */
  set(key: string, value: MetadataValue): this {
    const k = checkKey(key, value);
    this.writableMap().set(k, [value]);
    return this;
  }

  /** Appends a value to `key`. */
  add(key: string, value: MetadataValue): this {
    const k = checkKey(key, value);
    const map = this.writableMap();
    const list = map.get(k);
    if (list) list.push(value); else map.set(k, [value]);
    return this;
  }

  /** First value of `key`, or undefined. */
  get(key: string): MetadataValue | undefined {
    return this.readableMap()?.get(key.toLowerCase())?.[0];
  }

  getAll(key: string): MetadataValue[] {
    return this.readableMap()?.get(key.toLowerCase())?.slice() ?? [];
  }

  has(key: string): boolean {
    return this.readableMap()?.has(key.toLowerCase()) ?? false;
  }

  delete(key: string): boolean {
    return this.readableMap()?.delete(key.toLowerCase()) ?? false;
  }

  get size(): number {
    return this.readableMap()?.size ?? 0;
  }

  keys(): string[] {
    const map = this.readableMap();
    return map ? [...map.keys()] : [];
  }

  entries(): IterableIterator<[string, MetadataValue[]]> {
    return (this.readableMap() ?? EMPTY).entries();
  }

  /** Copies every entry of `other` into this one (appending). */
  merge(other: Metadata): this {
    for (const [key, values] of other.entries()) for (const v of values) this.add(key, v);
    return this;
  }

  clone(): Metadata {
    return new Metadata().merge(this);
  }

  /** Plain object: first value per key (for logging and tests). */
  toJSON(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    const map = this.readableMap();
    if (!map) return out;
    for (const [key, values] of map) {
      const encoded = values.map((v) => (typeof v === 'string' ? v : encodeBinaryHeader(v)));
      out[key] = encoded.length === 1 ? encoded[0]! : encoded;
    }
    return out;
  }

  /**
   * Writes the entries into an outgoing header object, base64-encoding `-bin` values.
   * `prefix` lets Triple unary send trailers as `trailer-`-prefixed headers.
   */
  writeTo(headers: OutgoingHeaders, prefix = ''): OutgoingHeaders {
    const map = this.readableMap();
    if (!map) return headers;
    for (const [key, values] of map) {
      const encoded = values.map((v) => (typeof v === 'string' ? v : encodeBinaryHeader(v)));
      headers[prefix + key] = encoded.length === 1 ? encoded[0]! : encoded;
    }
    return headers;
  }

  /**
   * Reads incoming headers, skipping pseudo-headers and the names in `reserved` (protocol
   * headers that are not user metadata). Comma-joined `-bin` values are split, as gRPC allows.
   * A malformed `-bin` value throws, so callers answer INVALID_ARGUMENT / INTERNAL. Headers
   * without `-bin` values cannot fail and are parsed only when the metadata is first read
   * (many handlers never look); `headers` must not change afterwards.
   * @param rawHeaders the same fields as a flat `[name, value, ...]` list, when the transport has
   *   it: scanned for `-bin` names instead of enumerating `headers` (which allocates)
   */
  static fromHeaders(headers: IncomingHeaders, reserved: ReadonlySet<string>, prefix = '', rawHeaders?: readonly string[]): Metadata {
    const md = new Metadata();
    const binary = rawHeaders ? hasBinaryField(rawHeaders, reserved, prefix) : hasBinaryValues(headers, reserved, prefix);
    if (binary) md.parse(headers, reserved, prefix);
    else md.source = { headers, reserved, prefix };
    return md;
  }

  private parse(headers: IncomingHeaders, reserved: ReadonlySet<string>, prefix: string): void {
    for (const name in headers) {
      const key = userKey(name, reserved, prefix);
      if (key === undefined) continue;
      const raw = headers[name];
      if (raw === undefined) continue;
      const list = this.listFor(key);
      const binary = key.endsWith('-bin');
      if (typeof raw === 'string') pushHeaderValue(list, raw, binary);
      else for (const value of raw) pushHeaderValue(list, value, binary);
    }
  }

  private readableMap(): Map<string, MetadataValue[]> | undefined {
    if (this.source) this.parseSource();
    return this.map;
  }

  private writableMap(): Map<string, MetadataValue[]> {
    if (this.source) this.parseSource();
    return (this.map ??= new Map());
  }

  private parseSource(): void {
    const { headers, reserved, prefix } = this.source!;
    this.source = undefined;
    this.parse(headers, reserved, prefix);
  }

  private listFor(key: string): MetadataValue[] {
    const map = (this.map ??= new Map());
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    return list;
  }
}

interface HeaderSource {
  readonly headers: IncomingHeaders;
  readonly reserved: ReadonlySet<string>;
  readonly prefix: string;
}

/** The metadata key of a header, or undefined for pseudo-headers, reserved and unprefixed names. */
function userKey(name: string, reserved: ReadonlySet<string>, prefix: string): string | undefined {
  if (name.charCodeAt(0) === 58 /* ':' */) return undefined;
  if (prefix && !name.startsWith(prefix)) return undefined;
  const key = prefix ? name.slice(prefix.length) : name;
  return reserved.has(key) ? undefined : key;
}

function hasBinaryField(raw: readonly string[], reserved: ReadonlySet<string>, prefix: string): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (endsWithBin(name) && userKey(name.toLowerCase(), reserved, prefix) !== undefined) return true;
  }
  return false;
}

/** `name` ends in `-bin`, in any case (HTTP/1.1 raw names keep the sender's), without allocating. */
function endsWithBin(name: string): boolean {
  const n = name.length;
  return (
    n > 4 &&
    name.charCodeAt(n - 4) === 45 /* - */ &&
    (name.charCodeAt(n - 3) | 0x20) === 98 /* b */ &&
    (name.charCodeAt(n - 2) | 0x20) === 105 /* i */ &&
    (name.charCodeAt(n - 1) | 0x20) === 110 /* n */
  );
}

function hasBinaryValues(headers: IncomingHeaders, reserved: ReadonlySet<string>, prefix: string): boolean {
  for (const name in headers) {
    if (name.endsWith('-bin') && headers[name] !== undefined && userKey(name, reserved, prefix) !== undefined) return true;
  }
  return false;
}

const EMPTY: ReadonlyMap<string, MetadataValue[]> = new Map();

function pushHeaderValue(list: MetadataValue[], value: string, binary: boolean): void {
  if (binary) for (const part of value.split(',')) list.push(decodeBinaryHeader(part.trim()));
  else list.push(value);
}

function checkKey(key: string, value: MetadataValue): string {
  const k = key.toLowerCase();
  if (!validKey.test(k)) throw new TypeError(`invalid metadata key "${key}"`);
  const isBinaryKey = k.endsWith('-bin');
  if (isBinaryKey && typeof value === 'string') throw new TypeError(`metadata key "${k}" ends in -bin and needs a Buffer value`);
  if (!isBinaryKey && typeof value !== 'string') throw new TypeError(`metadata key "${k}" holds a Buffer and must end in -bin`);
  if (!isBinaryKey && !/^[\x20-\x7e]*$/.test(value as string)) throw new TypeError(`metadata value of "${k}" must be printable ASCII`);
  return k;
}
