import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { Code } from './code.js';
import { decodeStatusDetails, encodeStatusDetails } from './status-details.js';
import { TripleError } from './triple-error.js';

/** google.rpc.Status built by protobufjs reflection, as an independent reference encoder. */
const root = protobuf.Root.fromJSON({
  nested: {
    Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
    Status: {
      fields: {
        code: { type: 'int32', id: 1 },
        message: { type: 'string', id: 2 },
        details: { rule: 'repeated', type: 'Any', id: 3 },
        extra: { type: 'string', id: 99 },
      },
    },
  },
});
const StatusType = root.lookupType('Status');

const details = [
  { typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Uint8Array.of(10, 3, 1, 2, 3) },
  { typeUrl: 'type.googleapis.com/google.rpc.Empty', value: new Uint8Array(0) },
];

describe('status details', () => {
  it('round-trips code, message and details', () => {
    const bytes = encodeStatusDetails(Code.INVALID_ARGUMENT, 'bad ☺ 😈', details);
    const decoded = decodeStatusDetails(bytes);
    assert.equal(decoded.code, Code.INVALID_ARGUMENT);
    assert.equal(decoded.message, 'bad ☺ 😈');
    assert.deepEqual(decoded.details.map((d) => ({ typeUrl: d.typeUrl, value: [...d.value] })), details.map((d) => ({ typeUrl: d.typeUrl, value: [...d.value] })));
  });

  it('is wire-compatible with a reflection-based encoder', () => {
    const ours = encodeStatusDetails(Code.NOT_FOUND, 'nope', details);
    const theirs = StatusType.toObject(StatusType.decode(ours), { bytes: Array }) as { code: number; message: string; details: Array<{ type_url: string; value?: number[] }> };
    assert.equal(theirs.code, Code.NOT_FOUND);
    assert.equal(theirs.message, 'nope');
    assert.equal(theirs.details[0]!.type_url, details[0]!.typeUrl);
    assert.deepEqual(theirs.details[0]!.value, [...details[0]!.value]);
    const reference = StatusType.encode({ code: 7, message: 'denied', details: [{ type_url: 'x/y', value: Uint8Array.of(1) }] }).finish();
    const decoded = decodeStatusDetails(reference);
    assert.equal(decoded.code, 7);
    assert.equal(decoded.message, 'denied');
    assert.equal(decoded.details[0]!.typeUrl, 'x/y');
    assert.deepEqual([...decoded.details[0]!.value], [1]);
  });

  it('omits proto3 defaults and decodes the empty message as code 0', () => {
    assert.equal(encodeStatusDetails(0, '', []).byteLength, 0);
    assert.deepEqual(decodeStatusDetails(new Uint8Array(0)), { code: 0, message: '', details: [] });
  });

  it('skips unknown fields of every wire type', () => {
    const writer = protobuf.Writer.create();
    writer.uint32((5 << 3) | 0).uint64(123456789012);
    writer.uint32((6 << 3) | 1).fixed64(1);
    writer.uint32((7 << 3) | 5).fixed32(1);
    writer.uint32((1 << 3) | 0).int32(5);
    writer.uint32((99 << 3) | 2).string('ignored');
    writer.uint32((2 << 3) | 2).string('after unknown');
    writer.uint32((3 << 3) | 2).fork().uint32((9 << 3) | 0).uint32(1).uint32((1 << 3) | 2).string('t').ldelim();
    const decoded = decodeStatusDetails(writer.finish());
    assert.equal(decoded.code, 5);
    assert.equal(decoded.message, 'after unknown');
    assert.equal(decoded.details[0]!.typeUrl, 't');
  });

  it('copies detail values out of the input buffer', () => {
    const bytes = encodeStatusDetails(3, 'm', details);
    const decoded = decodeStatusDetails(bytes);
    bytes.fill(0);
    assert.deepEqual([...decoded.details[0]!.value], [10, 3, 1, 2, 3]);
  });

  it('throws INTERNAL on garbage', () => {
    const isInternal = (e: unknown) => e instanceof TripleError && e.code === Code.INTERNAL;
    assert.throws(() => decodeStatusDetails(Uint8Array.of(0x12, 0x05, 0x61)), isInternal, 'truncated string');
    assert.throws(() => decodeStatusDetails(Uint8Array.of(0x08)), isInternal, 'truncated varint');
    assert.throws(() => decodeStatusDetails(Uint8Array.of(0x0f)), isInternal, 'wire type 7');
    assert.throws(() => decodeStatusDetails(Uint8Array.of(0x00, 0x01)), isInternal, 'field number 0');
    assert.throws(() => decodeStatusDetails(Uint8Array.of(0x1a, 0x03, 0x0a, 0x05, 0x61)), isInternal, 'Any field overruns Any');
    assert.throws(() => decodeStatusDetails(Buffer.from('{"code":3}')), isInternal, 'JSON is not a Status');
  });
});
