import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Code } from './code.js';
import { createJsonCodec } from './codec-json.js';
import { createProtobufCodec } from './codec-protobuf.js';
import { loadProtos } from './proto-loader.js';
import { TripleError } from './triple-error.js';

/** Property-based tests of the proto3 JSON codec: round trips, hostile input, prototype pollution. */

const protoDir = fileURLToPath(new URL('../../../test/fixtures/proto/', import.meta.url));
const protos = loadProtos({ protoPath: `${protoDir}wkt.proto`, loader: { includeDirs: [`${protoDir}include`] } });
const echo = protos.lookupType('echo.v1.EchoRequest');
const wkt = protos.lookupType('wkt.v1.WktMessage');
const json = createJsonCodec(echo);
const proto = createProtobufCodec(echo);
const wktJson = createJsonCodec(wkt);

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
const echoRequest = fc.record(
  {
    message: fc.string({ maxLength: 40, unit: 'grapheme' }),
    count: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    payload: fc.uint8Array({ maxLength: 40 }),
    big: int64,
    kind: fc.constantFrom('KIND_UNSPECIFIED', 'KIND_A', 'KIND_B'),
    at: fc.record({ seconds: fc.integer({ min: -62135596800, max: 253402300799 }).map(String), nanos: fc.integer({ min: 0, max: 999_999_999 }) }),
    tags: fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
    delayMs: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  },
  { requiredKeys: [] },
);

test('random messages: proto3 JSON round-trips to what the protobuf codec round-trips to', () => {
  fc.assert(
    fc.property(echoRequest, (message) => {
      const viaJson = json.decode(json.encode(message));
      const viaProto = proto.decode(proto.encode(message));
      assert.deepEqual(viaJson, viaProto);
      // And JSON is a fixpoint after one trip.
      assert.deepEqual(json.decode(json.encode(viaJson)), viaJson);
    }),
    { numRuns: 500 },
  );
});

/** Any JSON value, nested, with keys that are field names, hostile names or random. */
const key = fc.oneof(fc.constantFrom('message', 'count', 'payload', 'big', 'kind', 'at', 'tags', 'delay_ms', 'delayMs', '__proto__', 'constructor', 'prototype', 'struct', 'any', '@type', 'value'), fc.string({ maxLength: 8 }));
const { value: anyJson } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

function decodeNeverThrowsOtherThanInvalidArgument(codec: typeof json, text: string): unknown {
  try {
    return codec.decode(new TextEncoder().encode(text));
  } catch (e) {
    assert.ok(e instanceof TripleError, `${text} threw ${String(e)}`);
    assert.equal(e.code, Code.INVALID_ARGUMENT, `${text} -> ${e.message}`);
    return undefined;
  }
}

test('random JSON (and random bytes) never throw anything but INVALID_ARGUMENT', () => {
  fc.assert(
    fc.property(anyJson, (value) => {
      const text = JSON.stringify(value) ?? 'null';
      decodeNeverThrowsOtherThanInvalidArgument(json, text);
      decodeNeverThrowsOtherThanInvalidArgument(wktJson, text);
    }),
    { numRuns: 1500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        json.decode(bytes);
      } catch (e) {
        assert.ok(e instanceof TripleError && e.code === Code.INVALID_ARGUMENT, String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('__proto__ / constructor keys anywhere never pollute a prototype', () => {
  const hostile = fc.constantFrom(
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"struct":{"__proto__":{"polluted":1}}}',
    '{"struct":{"constructor":{"prototype":{"polluted":1}}}}',
    '{"value":{"__proto__":{"polluted":1}}}',
    '{"any":{"@type":"type.googleapis.com/google.protobuf.Struct","value":{"__proto__":{"polluted":1}}}}',
    '{"any":{"@type":"type.googleapis.com/google.protobuf.Struct","__proto__":{"polluted":1}}}',
  );
  fc.assert(
    fc.property(fc.oneof(hostile, anyJson.map((v) => JSON.stringify({ struct: v, value: v, ['__proto__']: v }))), (text) => {
      const decoded = decodeNeverThrowsOtherThanInvalidArgument(wktJson, text) as Record<string, unknown> | undefined;
      decodeNeverThrowsOtherThanInvalidArgument(json, text);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
      if (decoded && typeof decoded === 'object') assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    }),
    { numRuns: 500 },
  );
});
