import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from './code.js';
import {
  assertReadSize,
  assertWriteSize,
  DEFAULT_COMPRESS_MIN_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_METADATA_SIZE,
  DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH,
  DEFAULT_MAX_SEND_MESSAGE_LENGTH,
  readSizeError,
} from './limits.js';
import { TripleError } from './triple-error.js';

describe('limits', () => {
  it('has the documented defaults', () => {
    assert.equal(DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH, 4 * 1024 * 1024);
    assert.equal(DEFAULT_MAX_SEND_MESSAGE_LENGTH, 2147483647);
    assert.equal(DEFAULT_MAX_BUFFERED_BYTES, 64 * 1024 * 1024);
    assert.equal(DEFAULT_COMPRESS_MIN_BYTES, 1024);
    assert.equal(DEFAULT_MAX_METADATA_SIZE, 16 * 1024);
  });

  it('assertReadSize allows the limit and rejects one byte more', () => {
    assertReadSize(100, 100);
    assert.throws(
      () => assertReadSize(101, 100),
      (e: unknown) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED && e.rawMessage === 'message size 101 is larger than configured max 100',
    );
    assert.equal(readSizeError(5, 4).code, Code.RESOURCE_EXHAUSTED);
  });

  it('assertWriteSize names the send option', () => {
    assertWriteSize(100, 100);
    assert.throws(
      () => assertWriteSize(101, 100),
      (e: unknown) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED && e.rawMessage === 'message size 101 exceeds maxSendMessageLength 100',
    );
  });
});
