import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptsEventStream, parseTripleContentType, tripleContentType } from './content-type.js';

describe('parseTripleContentType', () => {
  it('recognizes JSON, with a UTF-8 charset in any spelling, and proto', () => {
    for (const ct of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf8"']) {
      assert.equal(parseTripleContentType(ct), 'json', ct);
    }
    assert.equal(parseTripleContentType('application/proto'), 'proto');
    assert.equal(parseTripleContentType('APPLICATION/PROTO'), 'proto');
  });

  it('rejects other charsets, parameters on proto, and every other type', () => {
    for (const ct of [undefined, '', 'application/json; charset=latin1', 'application/json; foo=bar', 'application/proto; charset=utf-8',
      'application/grpc', 'application/grpc+json', 'application/connect+json', 'text/plain', 'application/jsonx', 'application/x-protobuf']) {
      assert.equal(parseTripleContentType(ct), undefined, String(ct));
    }
  });
});

describe('tripleContentType', () => {
  it('answers the normalized type, without charset', () => {
    assert.equal(tripleContentType('json'), 'application/json');
    assert.equal(tripleContentType('proto'), 'application/proto');
  });
});

describe('acceptsEventStream', () => {
  it('finds text/event-stream in an Accept list', () => {
    assert.equal(acceptsEventStream('text/event-stream'), true);
    assert.equal(acceptsEventStream('application/json, Text/Event-Stream;q=0.9'), true);
    assert.equal(acceptsEventStream('*/*'), false);
    assert.equal(acceptsEventStream(undefined), false);
  });
});
