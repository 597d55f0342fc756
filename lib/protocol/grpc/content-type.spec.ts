import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grpcContentType, parseGrpcContentType } from './content-type.js';

describe('parseGrpcContentType', () => {
  it('accepts the gRPC content types', () => {
    assert.equal(parseGrpcContentType('application/grpc'), 'proto');
    assert.equal(parseGrpcContentType('application/grpc+proto'), 'proto');
    assert.equal(parseGrpcContentType('application/grpc+json'), 'json');
  });

  it('is case-insensitive and ignores parameters', () => {
    assert.equal(parseGrpcContentType('Application/GRPC+Proto'), 'proto');
    assert.equal(parseGrpcContentType('application/grpc+json; charset=utf-8'), 'json');
    assert.equal(parseGrpcContentType('application/grpc ;charset=utf-8'), 'proto');
  });

  it('rejects gRPC-Web, other codecs and non-gRPC types', () => {
    for (const ct of [
      undefined,
      '',
      'application/grpc-web',
      'application/grpc-web+proto',
      'application/grpc-web-text',
      'application/grpc+hessian2',
      'application/grpcx',
      'application/json',
      'application/proto',
      'text/plain',
    ]) {
      assert.equal(parseGrpcContentType(ct), undefined, String(ct));
    }
  });
});

describe('grpcContentType', () => {
  it('names the codec explicitly', () => {
    assert.equal(grpcContentType('proto'), 'application/grpc+proto');
    assert.equal(grpcContentType('json'), 'application/grpc+json');
  });
});
