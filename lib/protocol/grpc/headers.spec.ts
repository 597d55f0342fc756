import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '../../core/metadata.js';
import { grpcReservedHeaders, HEADER_TRI_CONSUMER_APPNAME, HEADER_TRI_SERVICE_GROUP, HEADER_TRI_SERVICE_VERSION } from './headers.js';

describe('grpcReservedHeaders', () => {
  it('keeps protocol headers out of user metadata and exposes Dubbo and user headers', () => {
    const md = Metadata.fromHeaders(
      {
        ':path': '/svc/M',
        ':authority': 'localhost',
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': '1S',
        'grpc-encoding': 'gzip',
        'grpc-accept-encoding': 'gzip',
        'accept-encoding': 'identity',
        'content-length': '10',
        'user-agent': 'grpc-java/1.60',
        [HEADER_TRI_SERVICE_GROUP]: 'g',
        [HEADER_TRI_SERVICE_VERSION]: '1.0.0',
        [HEADER_TRI_CONSUMER_APPNAME]: 'consumer',
        'x-trace-id': 'abc',
      },
      grpcReservedHeaders,
    );
    assert.deepEqual(md.keys().sort(), ['tri-consumer-appname', 'tri-service-group', 'tri-service-version', 'user-agent', 'x-trace-id']);
  });

  it('reserves the status trailers', () => {
    for (const name of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) assert.ok(grpcReservedHeaders.has(name), name);
  });
});
