import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRIPLE_METHOD_METADATA, TRIPLE_TRANSPORT } from '../constants.js';
import { tripleHttpExceptionFilter } from '../exceptions/triple-http-exception.filter.js';
import { TripleStreamMethod } from './triple-stream-method.decorator.js';

// Nest's metadata keys (@nestjs/microservices constants.js); read here to check what Nest will see.
const PATTERN = 'microservices:pattern';
const TRANSPORT = 'microservices:transport';
const EXTRAS = 'microservices:pattern_extras';

class Chat {
  @TripleStreamMethod()
  talk(requests: unknown): unknown {
    return requests;
  }

  @TripleStreamMethod('chat.v1.ChatService', 'Upload', { version: '3' })
  upload(requests: unknown): unknown {
    return requests;
  }

  @TripleStreamMethod({ rpc: 'Sum', group: 'g' })
  add(requests: unknown): unknown {
    return requests;
  }
}

describe('TripleStreamMethod', () => {
  test('registers an rx_stream pattern with @GrpcStreamMethod defaults, for Triple only', () => {
    assert.deepEqual(Reflect.getMetadata(PATTERN, Chat.prototype.talk), [{ service: 'Chat', rpc: 'Talk', streaming: 'rx_stream' }]);
    assert.equal(Reflect.getMetadata(TRANSPORT, Chat.prototype.talk), TRIPLE_TRANSPORT);
    assert.deepEqual(Reflect.getMetadata(EXTRAS, Chat.prototype.talk), {});
  });

  test('explicit service, rpc and route options', () => {
    assert.deepEqual(Reflect.getMetadata(PATTERN, Chat.prototype.upload), [{ service: 'chat.v1.ChatService', rpc: 'Upload', streaming: 'rx_stream' }]);
    assert.deepEqual(Reflect.getMetadata(EXTRAS, Chat.prototype.upload), { version: '3' });
    assert.deepEqual(Reflect.getMetadata(PATTERN, Chat.prototype.add), [{ service: 'Chat', rpc: 'Sum', streaming: 'rx_stream' }]);
    assert.deepEqual(Reflect.getMetadata(EXTRAS, Chat.prototype.add), { group: 'g' });
    assert.deepEqual(Reflect.getMetadata(TRIPLE_METHOD_METADATA, Chat.prototype.add), { rpc: 'Sum', group: 'g', streaming: 'rx_stream' });
  });

  test('seeds (payload, ctx) params and binds the HttpException filter; the method is not wrapped', () => {
    assert.deepEqual(Object.keys(Reflect.getMetadata('__routeArguments__', Chat, 'talk')).sort(), ['3:0', '6:1']);
    assert.deepEqual(Reflect.getMetadata('__exceptionFilters__', Chat.prototype.talk), [tripleHttpExceptionFilter]);
    const requests = {};
    assert.equal(new Chat().talk(requests), requests);
  });

  test('rejects non-methods', () => {
    const decorate = TripleStreamMethod() as (t: object, k: string, d: PropertyDescriptor) => void;
    assert.throws(() => decorate({}, 'x', { value: 1 }), /decorates methods only/);
  });
});
