import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBinaryHeader } from '../../core/binary-header.js';
import { Code } from '../../core/code.js';
import { Metadata } from '../../core/metadata.js';
import { decodeStatusDetails, encodeStatusDetails } from '../../core/status-details.js';
import { TripleError } from '../../core/triple-error.js';
import { decodeGrpcMessage, encodeGrpcMessage, errorTrailers, okTrailers, trailersToError } from './status-trailer.js';

/** The gRPC interop test's special_status_message. */
const special = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';

/** What node:http2 hands a receiver: each byte of the header value as one latin1 char. */
function overTheWire(value: string): string {
  return Buffer.from(value, 'latin1').toString('latin1');
}

describe('grpc-message encoding', () => {
  it('leaves printable ASCII (spaces included) untouched', () => {
    const plain = 'not found: user 42 (try again)';
    assert.equal(encodeGrpcMessage(plain), plain);
    assert.equal(decodeGrpcMessage(plain), plain);
  });

  it('escapes control bytes, non-ASCII UTF-8 bytes and % in upper case', () => {
    assert.equal(encodeGrpcMessage('100%'), '100%25');
    assert.equal(encodeGrpcMessage('a\tb'), 'a%09b');
    assert.equal(encodeGrpcMessage('☺'), '%E2%98%BA');
    assert.equal(encodeGrpcMessage('\x7f'), '%7F');
  });

  it('round-trips the interop special status message', () => {
    const encoded = encodeGrpcMessage(special);
    assert.equal(encoded, '%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A');
    assert.match(encoded, /^[\x20-\x7e]*$/);
    assert.equal(decodeGrpcMessage(overTheWire(encoded)), special);
  });

  it('decodes lower-case escapes and tolerates malformed ones', () => {
    assert.equal(decodeGrpcMessage('%e2%98%ba'), '☺');
    assert.equal(decodeGrpcMessage('50% off %zz %4'), '50% off %zz %4');
    assert.equal(decodeGrpcMessage('%'), '%');
    assert.equal(decodeGrpcMessage('%41%'), 'A%');
  });

  it('replaces invalid UTF-8 instead of failing', () => {
    assert.equal(decodeGrpcMessage('bad %FF byte'), 'bad \uFFFD byte');
  });

  it('recovers raw UTF-8 sent unescaped, as node:http2 delivers it', () => {
    assert.equal(decodeGrpcMessage(Buffer.from('héllo ☺', 'utf8').toString('latin1')), 'héllo ☺');
  });

  it('keeps characters above U+00FF in strings built in JS', () => {
    assert.equal(decodeGrpcMessage('☺ %41 😈'), '☺ A 😈');
  });
});

describe('errorTrailers', () => {
  it('carries status and encoded message, no details header without details', () => {
    const trailers = errorTrailers(new TripleError(Code.NOT_FOUND, 'no 100% match'));
    assert.deepEqual(trailers, { 'grpc-status': '5', 'grpc-message': 'no 100%25 match' });
  });

  it('omits grpc-message when the message is empty', () => {
    assert.deepEqual(errorTrailers(new TripleError(Code.CANCELLED, '')), { 'grpc-status': '1' });
  });

  it('adds unpadded base64 google.rpc.Status when there are details', () => {
    const details = [{ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: Uint8Array.of(1, 2) }];
    const trailers = errorTrailers(new TripleError(Code.UNAVAILABLE, 'later', { details }));
    const bin = trailers['grpc-status-details-bin'] as string;
    assert.doesNotMatch(bin, /=/);
    const status = decodeStatusDetails(decodeBinaryHeader(bin));
    assert.equal(status.code, Code.UNAVAILABLE);
    assert.equal(status.message, 'later');
    assert.equal(status.details[0]!.typeUrl, details[0]!.typeUrl);
  });

  it('merges handler trailers and error metadata, dropping reserved names', () => {
    const trailer = new Metadata({ 'x-a': '1', 'x-shared': 'from-handler' });
    const metadata = new Metadata({ 'x-b-bin': Buffer.from([0xff]), 'x-shared': 'from-error', 'grpc-status': '0' });
    const trailers = errorTrailers(new TripleError(Code.INTERNAL, 'boom', { metadata }), trailer);
    assert.deepEqual(trailers, {
      'x-a': '1',
      'x-shared': ['from-handler', 'from-error'],
      'x-b-bin': '/w',
      'grpc-status': '13',
      'grpc-message': 'boom',
    });
    assert.equal(trailer.getAll('x-shared').length, 1, 'handler trailer must not be mutated');
  });
});

describe('okTrailers', () => {
  it('is grpc-status 0 plus user trailers', () => {
    assert.deepEqual(okTrailers(new Metadata()), { 'grpc-status': '0' });
    assert.deepEqual(okTrailers(new Metadata({ 'x-t': ['a', 'b'], 'grpc-status': '13' })), { 'x-t': ['a', 'b'], 'grpc-status': '0' });
  });
});

describe('trailersToError', () => {
  it('is undefined for OK', () => {
    assert.equal(trailersToError({ 'grpc-status': '0', 'grpc-message': '' }), undefined);
  });

  it('reports a missing or malformed grpc-status as INTERNAL', () => {
    const missing = trailersToError({ 'x-a': '1' });
    assert.equal(missing?.code, Code.INTERNAL);
    assert.equal(missing?.rawMessage, 'protocol error: missing grpc-status trailer');
    assert.equal(trailersToError({ 'grpc-status': 'abc' })?.code, Code.INTERNAL);
    assert.equal(trailersToError({ 'grpc-status': '-1' })?.code, Code.INTERNAL);
  });

  it('uses grpc-status and the decoded grpc-message, keeping other trailers as metadata', () => {
    const error = trailersToError({
      ':status': '200',
      'content-type': 'application/grpc',
      'grpc-status': '9',
      'grpc-message': overTheWire(encodeGrpcMessage(special)),
      'x-trace': 't1',
      'x-blob-bin': 'AQI',
    });
    assert.ok(error instanceof TripleError);
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.equal(error.rawMessage, special);
    assert.deepEqual(error.metadata.keys().sort(), ['x-blob-bin', 'x-trace']);
    assert.deepEqual([...(error.metadata.get('x-blob-bin') as Buffer)], [1, 2]);
  });

  it('maps an out-of-range status to UNKNOWN', () => {
    assert.equal(trailersToError({ 'grpc-status': '99' })?.code, Code.UNKNOWN);
  });

  it('prefers valid grpc-status-details-bin (details and unescaped message)', () => {
    const details = [{ typeUrl: 'type.googleapis.com/x.Y', value: Uint8Array.of(7) }];
    const headers = errorTrailers(new TripleError(Code.ABORTED, special, { details }));
    const error = trailersToError(headers as Record<string, string>);
    assert.equal(error?.code, Code.ABORTED);
    assert.equal(error?.rawMessage, special);
    assert.equal(error?.details[0]?.typeUrl, 'type.googleapis.com/x.Y');
    assert.equal(error?.metadata.size, 0, 'status headers are not metadata');
  });

  it('falls back to grpc-status when details are garbage or disagree on the code', () => {
    const garbage = trailersToError({ 'grpc-status': '3', 'grpc-message': 'm', 'grpc-status-details-bin': '////' });
    assert.equal(garbage?.code, Code.INVALID_ARGUMENT);
    assert.equal(garbage?.rawMessage, 'm');
    assert.equal(garbage?.details.length, 0);
    const other = Buffer.from(encodeStatusDetails(Code.NOT_FOUND, 'other', [])).toString('base64');
    const mismatch = trailersToError({ 'grpc-status': '3', 'grpc-message': 'm', 'grpc-status-details-bin': other });
    assert.equal(mismatch?.code, Code.INVALID_ARGUMENT);
    assert.equal(mismatch?.rawMessage, 'm');
  });

  it('keeps the status when a -bin trailer is malformed', () => {
    const error = trailersToError({ 'grpc-status': '14', 'x-bad-bin': '!!!' });
    assert.equal(error?.code, Code.UNAVAILABLE);
  });
});
