import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '../../core/code.js';
import { codeFromHttpStatus, httpStatusFromCode } from './http-status.js';

describe('httpStatusFromCode (dubbo-js / dubbo-go table, triple-wire.md §4.1)', () => {
  it('maps every code', () => {
    const expected: Array<[Code, number]> = [
      [Code.OK, 200], [Code.CANCELLED, 408], [Code.UNKNOWN, 500], [Code.INVALID_ARGUMENT, 400], [Code.DEADLINE_EXCEEDED, 408],
      [Code.NOT_FOUND, 404], [Code.ALREADY_EXISTS, 409], [Code.PERMISSION_DENIED, 403], [Code.RESOURCE_EXHAUSTED, 429],
      [Code.FAILED_PRECONDITION, 412], [Code.ABORTED, 409], [Code.OUT_OF_RANGE, 400], [Code.UNIMPLEMENTED, 404],
      [Code.INTERNAL, 500], [Code.UNAVAILABLE, 503], [Code.DATA_LOSS, 500], [Code.UNAUTHENTICATED, 401], [17 as Code, 500],
    ];
    for (const [code, status] of expected) assert.equal(httpStatusFromCode(code), status, `code ${code}`);
  });
});

describe('codeFromHttpStatus (client side, triple-wire.md §4.2)', () => {
  it('maps the statuses Triple servers use, everything else is UNKNOWN', () => {
    const expected: Array<[number, Code]> = [
      [400, Code.INVALID_ARGUMENT], [401, Code.UNAUTHENTICATED], [403, Code.PERMISSION_DENIED], [404, Code.UNIMPLEMENTED],
      [408, Code.DEADLINE_EXCEEDED], [409, Code.ABORTED], [412, Code.FAILED_PRECONDITION], [413, Code.RESOURCE_EXHAUSTED],
      [415, Code.INTERNAL], [429, Code.UNAVAILABLE], [431, Code.RESOURCE_EXHAUSTED], [502, Code.UNAVAILABLE],
      [503, Code.UNAVAILABLE], [504, Code.UNAVAILABLE], [500, Code.UNKNOWN], [100, Code.UNKNOWN], [302, Code.UNKNOWN],
    ];
    for (const [status, code] of expected) assert.equal(codeFromHttpStatus(status), code, `HTTP ${status}`);
  });

  it('round-trips the codes whose status is unambiguous', () => {
    for (const code of [Code.INVALID_ARGUMENT, Code.DEADLINE_EXCEEDED, Code.FAILED_PRECONDITION, Code.UNIMPLEMENTED, Code.UNAUTHENTICATED, Code.PERMISSION_DENIED]) {
      assert.equal(codeFromHttpStatus(httpStatusFromCode(code)), code);
    }
  });
});
