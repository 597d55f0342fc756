import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '../../core/metadata.js';
import { tripleReservedHeaders } from './headers.js';

describe('tripleReservedHeaders', () => {
  it('keeps protocol, timeout, version and hop headers out of user metadata, and every trailer- header', () => {
    const md = Metadata.fromHeaders({
      ':path': '/a/B',
      'content-type': 'application/json',
      'content-length': '2',
      'content-encoding': 'gzip',
      'accept-encoding': 'gzip',
      'tri-protocol-version': '1.0.0',
      'triple-protocol-version': '0.1.0',
      'tri-service-timeout': '100',
      'triple-timeout-ms': '100',
      'grpc-timeout': '1S',
      host: 'x',
      connection: 'keep-alive',
      te: 'trailers',
      'trailer-x-sneaky': 'y',
      'x-custom': 'kept',
      'user-agent': 'curl',
      'tri-service-group': 'g',
      'tri-service-version': '1',
    }, tripleReservedHeaders);
    assert.deepEqual(md.keys().sort(), ['tri-service-group', 'tri-service-version', 'user-agent', 'x-custom']);
  });
});
