import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { Code } from './code.js';
import { createJsonCodec } from './codec-json.js';
import { createProtobufCodec, type ObjectConversion } from './codec-protobuf.js';
import { loadProtos } from './proto-loader.js';
import { TripleError } from './triple-error.js';

// From dist/lib/core back to the repo root, so the spec works whatever the cwd.
const protoDir = fileURLToPath(new URL('../../../test/fixtures/proto/', import.meta.url));

function loadType(name: string, keepCase = false): Type {
  const root = new protobuf.Root();
  root.loadSync(`${protoDir}echo.proto`, { keepCase });
  return root.lookupType(name);
}

const response = loadType('echo.v1.EchoResponse');
const request = loadType('echo.v1.EchoRequest');
const wkt = loadProtos({ protoPath: `${protoDir}wkt.proto`, loader: { includeDirs: [`${protoDir}include`] } })
  .lookupType('wkt.v1.WktMessage');

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function codec(options: ObjectConversion = {}, type = request) {
  return createJsonCodec(type, options);
}

function assertInvalid(type: Type, body: string | Uint8Array): void {
  const c = codec({}, type);
  assert.throws(() => c.decode(typeof body === 'string' ? utf8(body) : body), (error: unknown) => {
    assert.ok(error instanceof TripleError, `expected TripleError for ${String(body)}, got ${String(error)}`);
    assert.equal(error.code, Code.INVALID_ARGUMENT, `${String(body)} -> ${error.message}`);
    assert.ok(error.rawMessage.startsWith(`cannot decode ${type.fullName.slice(1)} from JSON: `), error.rawMessage);
    return true;
  });
}

describe('createJsonCodec encode', () => {
  it('writes proto3 JSON: lowerCamel names, int64 strings, enum names, base64, RFC 3339', () => {
    const c = codec({}, response);
    assert.equal(c.name, 'json');
    const out = JSON.parse(text(c.encode({
      message: 'hi',
      delayMs: 5,
      big: '9223372036854775807',
      kind: 1,
      payload: Buffer.from([1, 2, 3]),
      at: { seconds: '1700000000', nanos: 500000000 },
      tags: ['x'],
      meta: { a: 'b' },
      count: 0,
    })));
    assert.deepEqual(out, {
      message: 'hi',
      delayMs: 5,
      big: '9223372036854775807',
      kind: 'KIND_A',
      payload: 'AQID',
      at: '2023-11-14T22:13:20.500Z',
      tags: ['x'],
      meta: { a: 'b' },
    });
  });

  it('writes lowerCamel names for a keepCase type too', () => {
    const c = codec({}, loadType('echo.v1.EchoRequest', true));
    assert.equal(text(c.encode({ delay_ms: 2 })), '{"delayMs":2}');
  });

  it('writes the empty message for null and undefined', () => {
    assert.equal(text(codec().encode(undefined)), '{}');
  });

  it('reports values it cannot serialize as INTERNAL', () => {
    const c = codec({}, response);
    for (const bad of [{ at: 5 }, { at: { seconds: '999999999999' } }, 'str']) {
      assert.throws(() => c.encode(bad), (error: unknown) =>
        error instanceof TripleError && error.code === Code.INTERNAL &&
        error.rawMessage.startsWith('failed to serialize echo.v1.EchoResponse: '));
    }
  });
});

describe('createJsonCodec decode', () => {
  it('accepts lowerCamel and original field names', () => {
    assert.deepEqual(codec().decode(utf8('{"delayMs":1}')), { delayMs: 1, tags: [] });
    assert.deepEqual(codec().decode(utf8('{"delay_ms":1}')), { delayMs: 1, tags: [] });
  });

  it('yields the keepCase shape for a keepCase type', () => {
    const c = codec({}, loadType('echo.v1.EchoRequest', true));
    assert.deepEqual(c.decode(utf8('{"delayMs":3}')), { delay_ms: 3, tags: [] });
  });

  it('reads int64 as string or number, enums as name or number, bytes as base64 or base64url', () => {
    const decoded = codec().decode(utf8('{"big":"9007199254740993","kind":"KIND_B","payload":"-_8"}'));
    assert.deepEqual(decoded, { big: '9007199254740993', kind: 2, payload: Buffer.from([0xfb, 0xff]), tags: [] });
    assert.deepEqual(codec().decode(utf8('{"big":12,"kind":1}')), { big: '12', kind: 1, tags: [] });
  });

  it('reads RFC 3339 timestamps with fractions and offsets', () => {
    const decoded = codec().decode(utf8('{"at":"2024-02-29T14:00:00.000001+02:00"}'));
    assert.deepEqual(decoded, { at: { seconds: '1709208000', nanos: 1000 }, tags: [] });
  });

  it('ignores unknown fields', () => {
    assert.deepEqual(codec().decode(utf8('{"message":"m","nope":{"deep":[1]},"other":1}')), { message: 'm', tags: [] });
  });

  it('decodes a blank body as the empty message', () => {
    assert.deepEqual(codec().decode(new Uint8Array(0)), { tags: [] });
    assert.deepEqual(codec().decode(utf8(' \n')), { tags: [] });
  });

  it('gives handlers the same shape as the protobuf codec', () => {
    const value = { message: 'm', big: '-5', kind: 2, payload: Buffer.from('p'), at: { seconds: '7', nanos: 8 }, tags: ['t'], meta: { k: 'v' } };
    for (const options of [{}, { enums: String, longs: Number, defaults: true, oneofs: true }] as ObjectConversion[]) {
      const json = codec(options, response);
      const proto = createProtobufCodec(response, options);
      assert.deepEqual(json.decode(json.encode(value)), proto.decode(proto.encode(value)));
    }
  });

  it('rejects invalid JSON and invalid UTF-8 with INVALID_ARGUMENT', () => {
    for (const body of ['{', '{"message":}', 'nul', '{"a":1}}', '{"message":"a","message":"b"}']) assertInvalid(request, body);
    assertInvalid(request, new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
  });

  it('rejects values of the wrong type with INVALID_ARGUMENT, never another code', () => {
    const bodies = [
      '[]', 'null', '"str"', '5',
      '{"message":5}', '{"count":"abc"}', '{"count":1.5}', '{"count":4294967296}', '{"big":"1e999"}',
      '{"big":"99999999999999999999"}', '{"payload":7}', '{"kind":{}}', '{"kind":1.5}', '{"at":5}',
      '{"at":"yesterday"}', '{"at":"2024-02-30T00:00:00Z"}', '{"tags":"x"}', '{"tags":[1]}', '{"tags":[null]}',
    ];
    for (const body of bodies) assertInvalid(request, body);
    assertInvalid(response, '{"meta":[]}');
    assertInvalid(response, '{"meta":{"k":1}}');
  });

  it('does not let __proto__ or constructor reach any prototype', () => {
    const c = codec({}, response);
    const body = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
      '"message":"ok","meta":{"__proto__":"x","constructor":"y"}}';
    const decoded = c.decode(utf8(body)) as Record<string, unknown> & { meta: Record<string, unknown> };
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.equal(decoded.polluted, undefined);
    assert.equal(Object.hasOwn(decoded, '__proto__'), false);
    assert.equal(Object.hasOwn(decoded, 'constructor'), false);
    assert.equal(decoded.message, 'ok');
    assert.equal(Object.getPrototypeOf(decoded.meta), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(decoded.meta, '__proto__')?.value, 'x');
    assert.equal(decoded.meta.constructor, 'y');
    // And back out: the own __proto__ key is written as data, not lost or applied.
    assert.deepEqual(JSON.parse(text(c.encode(decoded))).meta, JSON.parse('{"__proto__":"x","constructor":"y"}'));
  });

  it('keeps a __proto__ key in a Struct as data', () => {
    const c = codec({}, wkt);
    const decoded = c.decode(utf8('{"struct":{"__proto__":{"polluted":1}}}')) as { struct: { fields: Record<string, unknown> } };
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(decoded.struct.fields), Object.prototype);
    assert.ok(Object.hasOwn(decoded.struct.fields, '__proto__'));
  });
});

describe('createJsonCodec well-known types', () => {
  const c = codec({}, wkt);
  const roundTrip = (body: string): unknown => JSON.parse(text(c.encode(c.decode(utf8(body)))));

  it('round-trips Timestamp, Duration, wrappers, Struct, Value, ListValue, FieldMask and oneofs', () => {
    const body = {
      ts: '2024-02-29T12:00:00.123456789Z',
      dur: '-1.500s',
      i64: '9007199254740993',
      str: '',
      struct: { a: [1, 'x', null, true, { b: {} }] },
      value: null,
      list: [1, [2]],
      mask: 'a.fooBar,b',
      flag: false,
      kind: 'KIND_A',
      note: { text: 'n' },
      choiceNumber: 3,
    };
    // A null Value is the JSON null itself; everything else comes back exactly.
    assert.deepEqual(roundTrip(JSON.stringify(body)), body);
  });

  it('resolves Any through the loaded root, for messages and well-known types', () => {
    const anyMessage = { '@type': 'type.googleapis.com/echo.v1.EchoRequest', message: 'in', big: '1' };
    assert.deepEqual(roundTrip(JSON.stringify({ any: anyMessage })), { any: anyMessage });
    const anyDuration = { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' };
    assert.deepEqual(roundTrip(JSON.stringify({ any: anyDuration })), { any: anyDuration });
    const decoded = c.decode(utf8(JSON.stringify({ any: anyMessage }))) as { any: { type_url: string; value: Buffer } };
    assert.equal(decoded.any.type_url, 'type.googleapis.com/echo.v1.EchoRequest');
    assert.ok(Buffer.isBuffer(decoded.any.value));
  });

  it('rejects an Any of an unknown type and malformed well-known values', () => {
    assertInvalid(wkt, '{"any":{"@type":"type.googleapis.com/no.such.Type"}}');
    assertInvalid(wkt, '{"dur":"5"}');
    assertInvalid(wkt, '{"mask":"a_b"}');
    assertInvalid(wkt, '{"list":{}}');
    assertInvalid(wkt, '{"choiceText":"a","choiceNumber":1}');
  });
});
