import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '../../core/code.js';
import { codeFromHttpStatus } from './http-status.js';

describe('codeFromHttpStatus (gRPC mapping)', () => {
  it('follows the gRPC HTTP-to-status table', () => {
    assert.equal(codeFromHttpStatus(400), Code.INTERNAL);
    assert.equal(codeFromHttpStatus(401), Code.UNAUTHENTICATED);
    assert.equal(codeFromHttpStatus(403), Code.PERMISSION_DENIED);
    assert.equal(codeFromHttpStatus(404), Code.UNIMPLEMENTED);
    for (const s of [429, 502, 503, 504]) assert.equal(codeFromHttpStatus(s), Code.UNAVAILABLE, String(s));
  });

  it('maps everything else to UNKNOWN', () => {
    for (const s of [100, 200, 408, 409, 412, 415, 431, 500, 505]) assert.equal(codeFromHttpStatus(s), Code.UNKNOWN, String(s));
  });
});
