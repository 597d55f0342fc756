import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GrpcMethodStreamingType } from '@nestjs/microservices';
import { TRIPLE_TRANSPORT, TripleStreamingType } from './constants.js';

test('streaming strings equal Nest gRPC ones, so @GrpcMethod patterns port by a rename', () => {
  assert.equal(TripleStreamingType.NO_STREAMING, GrpcMethodStreamingType.NO_STREAMING);
  assert.equal(TripleStreamingType.RX_STREAMING, GrpcMethodStreamingType.RX_STREAMING);
  assert.deepEqual(Object.values(TripleStreamingType).sort(), ['no_stream', 'rx_stream']);
});

test('the transport id is a symbol, distinct from every built-in Transport number', () => {
  assert.equal(typeof TRIPLE_TRANSPORT, 'symbol');
  assert.equal(TRIPLE_TRANSPORT.description, 'TRIPLE_TRANSPORT');
});
