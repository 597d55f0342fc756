import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '../../core/code.js';
import { Metadata } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { encodeErrorBody, parseErrorBody } from './error-body.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString();
const bytes = (s: string): Uint8Array => Buffer.from(s);

describe('encodeErrorBody', () => {
  it('writes both the snake_case code (dubbo-go) and the numeric status (dubbo-js)', () => {
    const error = new TripleError(Code.FAILED_PRECONDITION, 'you asked for an error', { metadata: new Metadata({ 'x-a': 'b' }) });
    assert.equal(text(encodeErrorBody(error)), '{"code":"failed_precondition","status":9,"message":"you asked for an error"}');
  });

  it('omits an empty message; details carry the bare type name and unpadded base64', () => {
    const error = new TripleError(Code.INVALID_ARGUMENT, '', {
      details: [{ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from([1, 2]) }, { typeUrl: 'example.com/x.Y', value: Buffer.from([]) }],
    });
    assert.deepEqual(JSON.parse(text(encodeErrorBody(error))), {
      code: 'invalid_argument',
      status: 3,
      details: [{ type: 'google.rpc.BadRequest', value: 'AQI' }, { type: 'example.com/x.Y', value: '' }],
    });
  });

  it('round-trips through parseErrorBody, details included', () => {
    const error = new TripleError(Code.NOT_FOUND, 'gone', { details: [{ typeUrl: 'type.googleapis.com/a.B', value: Buffer.from([9, 8, 7]) }] });
    const parsed = parseErrorBody(encodeErrorBody(error));
    assert.deepEqual(parsed, { code: Code.NOT_FOUND, message: 'gone', details: [{ typeUrl: 'type.googleapis.com/a.B', value: Buffer.from([9, 8, 7]) }] });
  });
});

describe('parseErrorBody', () => {
  it('reads dubbo-go bodies ({"code":"snake"})', () => {
    assert.deepEqual(parseErrorBody(bytes('{"code":"deadline_exceeded","message":"late"}')), { code: Code.DEADLINE_EXCEEDED, message: 'late', details: [] });
    assert.equal(parseErrorBody(bytes('{"code":"cancelled"}'))?.code, Code.CANCELLED);
  });

  it('reads dubbo-js bodies ({"status":<number>})', () => {
    assert.deepEqual(parseErrorBody(bytes('{"status":8,"message":"too big"}')), { code: Code.RESOURCE_EXHAUSTED, message: 'too big', details: [] });
  });

  it("reads Dubbo Java bodies ({\"status\":\"<http status>\"}) through the HTTP status table", () => {
    assert.equal(parseErrorBody(bytes('{"status":"404","message":"Invoker not found"}'))?.code, Code.UNIMPLEMENTED);
    assert.equal(parseErrorBody(bytes('{"status":"500","message":"boom"}'))?.code, Code.UNKNOWN);
  });

  it('prefers a usable code over status, and falls back to status when code is unknown', () => {
    assert.equal(parseErrorBody(bytes('{"code":"not_found","status":3}'))?.code, Code.NOT_FOUND);
    assert.equal(parseErrorBody(bytes('{"code":"no_such_code","status":7}'))?.code, Code.PERMISSION_DENIED);
  });

  it('returns undefined for bodies that name no code', () => {
    for (const body of ['', 'not json', '[]', '"x"', 'null', '{}', '{"message":"only"}', '{"status":-1}', '{"status":"abc"}']) {
      assert.equal(parseErrorBody(bytes(body)), undefined, body);
    }
  });

  it('skips malformed details instead of failing', () => {
    const parsed = parseErrorBody(bytes('{"code":"internal","details":[{"type":"a.B","value":"!!"},7,{"type":"c.D","value":"AQ"}]}'));
    assert.deepEqual(parsed?.details, [{ typeUrl: 'type.googleapis.com/c.D', value: Buffer.from([1]) }]);
  });
});
