import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { Code } from './code.js';
import { createProtobufCodec, toConversionOptions, type ObjectConversion } from './codec-protobuf.js';
import { TripleError } from './triple-error.js';

// From dist/lib/core back to the repo root, so the spec works whatever the cwd.
const echoProto = fileURLToPath(new URL('../../../test/fixtures/proto/echo.proto', import.meta.url));

function loadType(name: string, keepCase = false): Type {
  const root = new protobuf.Root();
  root.loadSync(echoProto, { keepCase });
  return root.lookupType(name);
}

const response = loadType('echo.v1.EchoResponse');
const request = loadType('echo.v1.EchoRequest');

function codec(options: ObjectConversion = {}, type = response) {
  return createProtobufCodec(type, options);
}

function assertTripleError(fn: () => unknown, code: Code, prefix: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TripleError, `expected TripleError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.rawMessage.startsWith(prefix), error.rawMessage);
    return true;
  });
}

const full = {
  message: 'héllo',
  count: -7,
  payload: Buffer.from([0, 1, 2, 255]),
  big: '9223372036854775807',
  kind: 2,
  at: { seconds: '1700000000', nanos: 123456789 },
  tags: ['a', 'b'],
  delayMs: 15,
  peer: 'ipv4:127.0.0.1',
  meta: { k: 'v', other: '' },
};

describe('createProtobufCodec', () => {
  it('names itself proto', () => {
    assert.equal(codec().name, 'proto');
  });

  it('round-trips every field kind with the default conversion', () => {
    const c = codec();
    const decoded = c.decode(c.encode(full)) as typeof full;
    assert.deepEqual(decoded, full);
    assert.ok(Buffer.isBuffer(decoded.payload), 'bytes decode as Buffer by default');
  });

  it('keeps int64 beyond 2^53 exact as decimal strings, negative too', () => {
    const c = codec();
    for (const big of ['9007199254740993', '-9007199254740993', '-9223372036854775808']) {
      assert.equal((c.decode(c.encode({ big })) as { big: string }).big, big);
    }
  });

  it('produces the standard wire bytes', () => {
    const c = codec();
    assert.deepEqual([...c.encode({ message: 'hi' })], [0x0a, 0x02, 0x68, 0x69]);
    assert.deepEqual([...c.encode({ big: '-1' })], [0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert.deepEqual([...c.encode({ meta: { a: 'b' } })], [0x52, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62]);
  });

  it('accepts enum names, base64 bytes and int64 as number, bigint or Long', () => {
    const c = codec();
    const base = { kind: 'KIND_B', payload: 'AAEC/w==' };
    const expected = { kind: 2, payload: Buffer.from([0, 1, 2, 255]), tags: [], meta: {} };
    for (const big of [42, 42n, '42', new protobuf.util.Long(42, 0, false)]) {
      assert.deepEqual(c.decode(c.encode({ ...base, big })), { ...expected, big: '42' });
    }
  });

  it('accepts a message instance as well as a plain object', () => {
    const c = codec();
    const instance = response.fromObject({ message: 'x' });
    assert.deepEqual(c.decode(c.encode(instance)), { message: 'x', tags: [], meta: {} });
  });

  it('encodes null and undefined as the empty message', () => {
    assert.equal(codec().encode(undefined).length, 0);
    assert.equal(codec().encode(null).length, 0);
  });

  it('decodes a plain Uint8Array and still yields Buffer bytes', () => {
    const c = codec();
    const bytes = new Uint8Array(c.encode({ payload: Buffer.from('abc') }));
    const decoded = c.decode(bytes) as { payload: Buffer };
    assert.ok(Buffer.isBuffer(decoded.payload));
    assert.equal(decoded.payload.toString(), 'abc');
  });

  it('applies the documented defaults: longs String, arrays and objects on, defaults off', () => {
    assert.deepEqual(codec().decode(new Uint8Array(0)), { tags: [], meta: {} });
    assert.deepEqual(toConversionOptions({}), {
      longs: String, defaults: false, arrays: true, objects: true, oneofs: false, json: false,
    });
  });

  it('honours enums, longs, bytes, defaults, arrays and objects options', () => {
    const bytes = codec().encode(full);
    const converted = codec({ enums: String, longs: Number, bytes: String }).decode(bytes) as Record<string, unknown>;
    assert.equal(converted.kind, 'KIND_B');
    assert.equal(converted.big, 9223372036854775807);
    assert.equal(converted.payload, 'AAEC/w==');
    assert.deepEqual((converted.at as Record<string, unknown>).seconds, 1700000000);
    assert.equal((codec({ longs: BigInt }).decode(bytes) as { big: bigint }).big, 9223372036854775807n);

    assert.deepEqual(codec({ arrays: false, objects: false }).decode(new Uint8Array(0)), {});
    const withDefaults = codec({ defaults: true }).decode(new Uint8Array(0)) as Record<string, unknown>;
    assert.equal(withDefaults.message, '');
    assert.equal(withDefaults.count, 0);
    assert.equal(withDefaults.big, '0');
    assert.equal(withDefaults.kind, 0);
    assert.equal(withDefaults.at, null);
    assert.ok(Buffer.isBuffer(withDefaults.payload));
  });

  it('uses the .proto field names when the type was parsed with keepCase', () => {
    const kept = createProtobufCodec(loadType('echo.v1.EchoRequest', true), {});
    const bytes = kept.encode({ delay_ms: 9 });
    assert.deepEqual(kept.decode(bytes), { delay_ms: 9, tags: [] });
    // Same wire bytes as the lowerCamel type: keepCase only changes the object shape.
    assert.deepEqual(codec({}, request).decode(bytes), { delayMs: 9, tags: [] });
  });

  it('rejects malformed bytes with INVALID_ARGUMENT naming the type', () => {
    const c = codec({}, request);
    const prefix = 'cannot decode echo.v1.EchoRequest from protobuf: ';
    assertTripleError(() => c.decode(new Uint8Array([0x0a, 0x05, 0x61])), Code.INVALID_ARGUMENT, prefix);
    assertTripleError(() => c.decode(new Uint8Array([0x0f])), Code.INVALID_ARGUMENT, prefix);
    assertTripleError(() => c.decode(new Uint8Array([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), Code.INVALID_ARGUMENT, prefix);
  });

  it('reports values it cannot serialize as INTERNAL naming the type', () => {
    const c = codec();
    const prefix = 'failed to serialize echo.v1.EchoResponse: ';
    assertTripleError(() => c.encode({ at: 5 }), Code.INTERNAL, prefix);
    assertTripleError(() => c.encode({ meta: 'nope' }), Code.INTERNAL, prefix);
    assertTripleError(() => c.encode({ tags: 'nope' }), Code.INTERNAL, prefix);
    assertTripleError(() => c.encode('a string'), Code.INTERNAL, prefix);
  });

  it('defines a __proto__ map key as an own property instead of a prototype', () => {
    const c = codec();
    const meta = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    const decoded = c.decode(c.encode({ meta })) as { meta: Record<string, string> };
    assert.equal(Object.getPrototypeOf(decoded.meta), Object.prototype);
    assert.deepEqual(Object.keys(decoded.meta).sort(), ['__proto__', 'constructor']);
    assert.equal(Object.getOwnPropertyDescriptor(decoded.meta, '__proto__')?.value, 'x');
  });
});

describe('createProtobufCodec fast paths (encodeTransient, encodeInto)', () => {
  const c = codec();
  const expected = Buffer.from(c.encode(full));

  it('encodeTransient gives the bytes encode gives, also after a failed encode and a large message', () => {
    assert.deepEqual(Buffer.from(c.encodeTransient!(full)), expected);
    assert.throws(() => c.encodeTransient!({ at: 5 }), TripleError);
    const large = { payload: Buffer.alloc(200_000, 7) };
    assert.deepEqual(Buffer.from(c.encodeTransient!(large)), Buffer.from(c.encode(large)));
    assert.deepEqual(Buffer.from(c.encodeTransient!(full)), expected);
  });

  it('encodeTransient reuses its buffer for messages up to 1 MiB (64 KiB streams must not regrow a writer per message)', () => {
    const big = { payload: Buffer.alloc(65_536, 3) };
    const first = c.encodeTransient!(big);
    const second = c.encodeTransient!(big);
    assert.equal(second.buffer, first.buffer, 'the same writer buffer serves the next message');
    assert.deepEqual(Buffer.from(second), Buffer.from(c.encode(big)));
    const huge = c.encodeTransient!({ payload: Buffer.alloc(2 * 1024 * 1024, 4) });
    const after = c.encodeTransient!(big);
    assert.notEqual(after.buffer, huge.buffer, 'a writer grown past 1 MiB is let go');
  });

  it('encodeInto writes into the target after offset and returns the end offset', () => {
    const target = Buffer.alloc(1024, 0xaa);
    const end = c.encodeInto!(full, target, 7);
    assert.equal(end, 7 + expected.length);
    assert.deepEqual(target.subarray(7, end as number), expected);
    assert.ok(target.subarray(0, 7).every((b) => b === 0xaa), 'bytes before offset untouched');
    assert.ok(target.subarray(end as number).every((b) => b === 0xaa), 'bytes after the message untouched');
  });

  it('encodeInto returns the bytes when the message does not fit, leaving the target as it was', () => {
    const target = Buffer.alloc(expected.length + 4, 0xaa);
    const result = c.encodeInto!(full, target, 5);
    assert.ok(result instanceof Uint8Array);
    assert.deepEqual(Buffer.from(result), expected);
    assert.ok(target.subarray(0, 5).every((b) => b === 0xaa), 'bytes before offset untouched');
  });

  it('encodeInto recovers from a failed encode and keeps no reference to the target', () => {
    const target = Buffer.alloc(256, 0xaa);
    assert.throws(() => c.encodeInto!({ tags: 'nope' }, target, 0), (e: unknown) => e instanceof TripleError && e.code === Code.INTERNAL);
    const end = c.encodeInto!(full, target, 3) as number;
    assert.deepEqual(target.subarray(3, end), expected);
    // The shared writer must not write into a previous call's target afterwards.
    const snapshot = Buffer.from(target);
    c.encodeTransient!({ message: 'other' });
    assert.deepEqual(target, snapshot);
  });
});
