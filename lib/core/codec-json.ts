import type { IConversionOptions, Type } from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import type { Codec } from './codec.js';
import { Code } from './code.js';
import { errorText, prepareType, toConversionOptions, toMessage, typeDisplayName, type ObjectConversion } from './codec-protobuf.js';
import { TripleError } from './triple-error.js';

/**
 * Peers (Connect, dubbo-go, curl) evolve their schemas independently, so fields we do not
 * know are skipped rather than failing the call, as the proto3 JSON mapping recommends.
 */
const parseOptions = Object.freeze({ ignoreUnknownFields: true });

/**
 * `fatal` so bytes that are not UTF-8 are an INVALID_ARGUMENT instead of silently turning
 * into U+FFFD; the default BOM handling strips a leading BOM, which some clients send.
 */
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Only whitespace: treated as `{}`, see {@link createJsonCodec}. */
const blank = /^\s*$/;

/**
 * Builds the proto3 JSON codec (application/json, application/grpc+json) of one message type.
 *
 * decode: JSON text -> message by the proto3 JSON mapping (lowerCamel and original field
 * names, enum names or numbers, int64 as string or number, base64 or base64url bytes,
 * RFC 3339 Timestamps and the other well-known types, unknown fields ignored), then the same
 * {@link ObjectConversion} as the protobuf codec, so handlers see one shape whatever the
 * wire format. A blank body decodes as the empty message: Triple GET requests and
 * `curl -d ''` send none, and it has no other meaning.
 *
 * encode: plain object -> `fromObject` (accepting what the protobuf codec accepts) -> proto3
 * JSON (lowerCamel names, int64 as strings, enums as names, bytes as base64, default values
 * omitted) -> UTF-8.
 *
 * `google.protobuf.Any` is resolved through `type.root`, protojson's type registry: every
 * type loaded into the same root (one {@link loadProtos} call) can appear inside an Any.
 *
 * Prototype pollution: protojson only copies members that name a known field (looked up in
 * a null-prototype index), keeps map and Struct keys in null-prototype objects, and
 * protobufjs' `toObject` defines a `__proto__` map key as an own property, so neither
 * `__proto__` nor `constructor` in the input can reach a prototype.
 */
export function createJsonCodec(type: Type, options: ObjectConversion = {}): Codec {
  const conversion: IConversionOptions = toConversionOptions(options);
  const name = typeDisplayName(type);
  const encodeError = `failed to serialize ${name}: `;
  const decodeError = `cannot decode ${name} from JSON: `;
  prepareType(type);

  return {
    name: 'json',
    encode(message: unknown): Uint8Array {
      let text: string;
      try {
        text = protojson.toJsonString(type, toMessage(type, message));
      } catch (error) {
        throw new TripleError(Code.INTERNAL, encodeError + errorText(error), { cause: error });
      }
      // Buffer.from takes small strings from a pooled slab; TextEncoder allocates an ArrayBuffer each time (~10x slower).
      return Buffer.from(text, 'utf8');
    },
    decode(bytes: Uint8Array): unknown {
      try {
        const text = utf8Decoder.decode(bytes);
        const message = blank.test(text)
          ? type.fromObject({})
          : protojson.fromJsonString(type, text, parseOptions);
        return type.toObject(message, conversion);
      } catch (error) {
        throw new TripleError(Code.INVALID_ARGUMENT, decodeError + errorText(error), { cause: error });
      }
    },
  };
}
