import protobuf from 'protobufjs';
import type { IConversionOptions, Message, Type } from 'protobufjs';
import type { Codec } from './codec.js';
import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * How decoded messages are turned into the plain objects handlers see. The names and values
 * are those of Nest's `GrpcOptions.loader` / @grpc/proto-loader, so an existing `loader`
 * config ports unchanged; both wire codecs (proto and JSON) apply the same conversion, so a
 * handler sees one shape whatever the client sent.
 *
 * Defaults (chosen for handler ergonomics; where they differ from proto-loader it is said):
 * - `longs`: `String` — int64 fields become decimal strings. proto-loader's default is a
 *   Long object, which few handlers expect and which JSON-serializes badly; strings are
 *   lossless, unlike `Number`, and match the proto3 JSON mapping. `Number` and `BigInt`
 *   are accepted too.
 * - `enums`: unset — enum fields are numbers, as in proto-loader. `String` gives names.
 * - `bytes`: unset — bytes fields are Node `Buffer`s, as in proto-loader. `String` gives
 *   base64, `Array` plain number arrays.
 * - `defaults`: `false` — unset scalar fields are absent, as in proto-loader.
 * - `arrays`: `true` — unset repeated fields are `[]` (proto-loader: absent), so
 *   `req.tags.map(...)` never throws on an empty list.
 * - `objects`: `true` — unset map fields are `{}` (proto-loader: absent), for the same reason.
 * - `oneofs`: `false` — no virtual property naming the set member of a oneof.
 * - `json`: `false` — NaN/Infinity stay numbers instead of becoming strings.
 */
export interface ObjectConversion {
  longs?: StringConstructor | NumberConstructor | BigIntConstructor;
  enums?: StringConstructor;
  bytes?: StringConstructor | ArrayConstructor;
  defaults?: boolean;
  arrays?: boolean;
  objects?: boolean;
  oneofs?: boolean;
  json?: boolean;
}

/**
 * Fills in the documented defaults. Done once per loaded set of protos; the result is the
 * options object protobufjs' generated `toObject` reads on every call.
 */
export function toConversionOptions(options: ObjectConversion = {}): IConversionOptions {
  const conversion: IConversionOptions = {
    longs: options.longs ?? String,
    defaults: options.defaults ?? false,
    arrays: options.arrays ?? true,
    objects: options.objects ?? true,
    oneofs: options.oneofs ?? false,
    json: options.json ?? false,
  };
  // Only set when given: protobufjs compares these by identity, and an explicit undefined
  // would be the same as absent anyway, but keeping the object minimal keeps it monomorphic.
  if (options.enums !== undefined) conversion.enums = options.enums;
  if (options.bytes !== undefined) conversion.bytes = options.bytes;
  return conversion;
}

/** Display name without protobufjs' leading dot, as peers and logs spell it. */
export function typeDisplayName(type: { readonly fullName: string }): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

/**
 * The writers behind every codec's encodeTransient and encodeInto. One of each is enough: the
 * bytes they produce are copied (or the target chunk handed back) before the next encode, as
 * JavaScript runs one encode at a time. They use protobufjs 8's documented Writer fields
 * (`buf`, `pos`, `view`, `states`); codec-protobuf.spec checks the result byte for byte.
 */
let transientWriter = protobuf.Writer.create();
const intoWriter = protobuf.Writer.create();
/**
 * After an unusually large message the transient writer is replaced, so it does not pin its
 * buffer. Generous on purpose: a writer replaced after every message regrows its buffer by
 * doubling from 64 bytes each time (a dozen allocations and copies per message), which made a
 * stream of 64 KiB messages spend its time in GC; one writer per process holding 1 MiB is cheap.
 */
const TRANSIENT_WRITER_KEEP_BYTES = 1024 * 1024;
const NO_BYTES = Buffer.alloc(0);

const emptyObject: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * Converts a plain object (or message instance) through `fromObject`, so everything a
 * handler may hold is accepted: enum names or numbers, base64 strings or Buffers for bytes,
 * decimal strings, numbers, bigints or Longs for int64. Shared by both codecs so they
 * accept the same inputs. `null`/`undefined` is the empty message: a Nest handler for
 * `returns (google.protobuf.Empty)` commonly returns nothing, and an absent message has no
 * other meaning in proto3.
 */
export function toMessage(type: Type, value: unknown): Message {
  if (value == null) return type.fromObject(emptyObject);
  if (typeof value !== 'object') throw new TypeError(`expected an object, got ${typeof value}`);
  return type.fromObject(value as Record<string, unknown>);
}

/**
 * Builds the binary protobuf codec of one message type. Build it once per type (the loader
 * caches it): the error prefixes and conversion options are fixed here, so encode/decode do
 * no lookups.
 */
export function createProtobufCodec(type: Type, options: ObjectConversion = {}): Codec {
  const conversion = toConversionOptions(options);
  const name = typeDisplayName(type);
  const encodeError = `failed to serialize ${name}: `;
  const decodeError = `cannot decode ${name} from protobuf: `;
  prepareType(type);

  return {
    name: 'proto',
    encode(message: unknown): Uint8Array {
      try {
        return type.encode(toMessage(type, message)).finish();
      } catch (error) {
        throw new TripleError(Code.INTERNAL, encodeError + errorText(error), { cause: error });
      }
    },
    encodeTransient(message: unknown): Uint8Array {
      const writer = transientWriter;
      // A previous encode that threw may have left the cursor (and fork states) mid-message.
      writer.pos = 0;
      writer.states = null;
      try {
        type.encode(toMessage(type, message), writer);
      } catch (error) {
        throw new TripleError(Code.INTERNAL, encodeError + errorText(error), { cause: error });
      }
      if (writer.buf.byteLength > TRANSIENT_WRITER_KEEP_BYTES) transientWriter = protobuf.Writer.create();
      return writer.buf.subarray(0, writer.pos);
    },
    encodeInto(message: unknown, target: Buffer, offset: number): number | Uint8Array {
      const writer = intoWriter;
      // The writer appends at `pos`; when the target is too small it moves to a buffer of its
      // own (copying what it wrote so far), which is how "did not fit" is detected.
      writer.buf = target;
      writer.view = null;
      writer.pos = offset;
      writer.states = null;
      let written: Uint8Array;
      try {
        type.encode(toMessage(type, message), writer);
      } catch (error) {
        throw new TripleError(Code.INTERNAL, encodeError + errorText(error), { cause: error });
      } finally {
        written = writer.buf;
        writer.buf = NO_BYTES; // never keep the caller's chunk alive
        writer.view = null;
      }
      return written === target ? writer.pos : written.subarray(offset, writer.pos);
    },
    decode(bytes: Uint8Array): unknown {
      try {
        // protobufjs hands out bytes fields as slices of its input: wrapping the frame as a
        // Buffer (a view, no copy) makes them Buffers, the type Nest/grpc-js users expect.
        // toObject is inside the try: it can still reject what decode let through (an Any
        // naming a type we do not know, with `json: true`).
        return type.toObject(type.decode(asBuffer(bytes)), conversion);
      } catch (error) {
        throw new TripleError(Code.INVALID_ARGUMENT, decodeError + errorText(error), { cause: error });
      }
    },
  };
}

/**
 * Resolves the type and generates protobufjs' encode/decode/fromObject/toObject for it and
 * every message type reachable from its fields. protobufjs would otherwise generate each
 * lazily on first use, putting code generation on the first request's path.
 */
export function prepareType(type: Type, seen: Set<Type> = new Set()): void {
  if (seen.has(type)) return;
  seen.add(type);
  type.root.resolveAll();
  type.setup();
  pinFullName(type);
  for (const field of type.fieldsArray) {
    pinFullName(field);
    const nested = field.resolve().resolvedType;
    if (nested instanceof protobuf.Type) prepareType(nested, seen);
    else if (nested) pinFullName(nested);
  }
}

/**
 * protobufjs computes `fullName` on every read (walking the parents, joining an array), and
 * the ProtoJSON codec reads it for each message and enum field it converts. Loaded types never
 * move to another parent, so the value is pinned as an own property once.
 */
function pinFullName(object: protobuf.ReflectionObject): void {
  if (Object.prototype.hasOwnProperty.call(object, 'fullName')) return;
  // A plain writable, enumerable data property, like the ones protobufjs' constructors set, so
  // the objects keep a shape V8 handles fast.
  Object.defineProperty(object, 'fullName', { value: object.fullName, writable: true, enumerable: true, configurable: true });
}

/** A Buffer view of `bytes` without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The message of a thrown value; protobufjs throws plain Errors with useful text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
