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
  private readonly map = new Map<string, MetadataValue[]>();

  constructor(init?: Record<string, MetadataValue | MetadataValue[]>) {
    if (init) for (const [key, value] of Object.entries(init)) {
      for (const v of Array.isArray(value) ? value : [value]) this.add(key, v);
    }
  }

  /** Replaces every value of `key`. */
  set(key: string, value: MetadataValue): this {
    const k = checkKey(key, value);
    this.map.set(k, [value]);
    return this;
  }

  /** Appends a value to `key`. */
  add(key: string, value: MetadataValue): this {
    const k = checkKey(key, value);
    const list = this.map.get(k);
    if (list) list.push(value); else this.map.set(k, [value]);
    return this;
  }

  /** First value of `key`, or undefined. */
  get(key: string): MetadataValue | undefined {
    return this.map.get(key.toLowerCase())?.[0];
  }

  getAll(key: string): MetadataValue[] {
    return this.map.get(key.toLowerCase())?.slice() ?? [];
  }

  has(key: string): boolean {
    return this.map.has(key.toLowerCase());
  }

  delete(key: string): boolean {
    return this.map.delete(key.toLowerCase());
  }

  get size(): number {
    return this.map.size;
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  entries(): IterableIterator<[string, MetadataValue[]]> {
    return this.map.entries();
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
    for (const [key, values] of this.map) {
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
    for (const [key, values] of this.map) {
      const encoded = values.map((v) => (typeof v === 'string' ? v : encodeBinaryHeader(v)));
      headers[prefix + key] = encoded.length === 1 ? encoded[0]! : encoded;
    }
    return headers;
  }

  /**
   * Reads incoming headers, skipping pseudo-headers and the names in `reserved` (protocol
   * headers that are not user metadata). Comma-joined `-bin` values are split, as gRPC allows.
   * A malformed `-bin` value throws, so callers answer INVALID_ARGUMENT / INTERNAL.
   */
  static fromHeaders(headers: IncomingHeaders, reserved: ReadonlySet<string>, prefix = ''): Metadata {
    const md = new Metadata();
    for (const name in headers) {
      if (name.charCodeAt(0) === 58 /* ':' */) continue;
      if (prefix && !name.startsWith(prefix)) continue;
      const key = prefix ? name.slice(prefix.length) : name;
      if (reserved.has(key)) continue;
      const raw = headers[name];
      if (raw === undefined) continue;
      const list = md.listFor(key);
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        if (key.endsWith('-bin')) for (const part of value.split(',')) list.push(decodeBinaryHeader(part.trim()));
        else list.push(value);
      }
    }
    return md;
  }

  private listFor(key: string): MetadataValue[] {
    let list = this.map.get(key);
    if (!list) this.map.set(key, (list = []));
    return list;
  }
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
