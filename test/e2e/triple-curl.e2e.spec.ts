import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, test } from 'node:test';
import { EchoController, probe } from '../fixtures/echo.controller.js';
import { EchoBlueV2Controller, OtherV1Controller } from '../fixtures/versioned-echo.controller.js';
import { curl, jsonOf } from '../helpers/curl.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

const SVC = '/echo.v1.EchoService';
const JSON_CT = ['-H', 'Content-Type: application/json'];
const HTTP_VERSIONS = [
  { name: 'HTTP/1.1', flag: '--http1.1', expect: 'HTTP/1.1' },
  { name: 'h2c', flag: '--http2-prior-knowledge', expect: 'HTTP/2' },
] as const;

describe('Triple unary with curl (triple-wire.md §9), HTTP/1.1 and h2c on the gRPC port', () => {
  let server: RunningServer;
  let small: RunningServer;
  let strict: RunningServer;
  let dir: string;
  let base: string;

  before(async () => {
    server = await startEchoServer({}, [EchoController, EchoBlueV2Controller, OtherV1Controller]);
    small = await startEchoServer({ maxReceiveMessageLength: 1024 });
    strict = await startEchoServer({ requireProtocolHeader: true });
    base = `http://${server.address}`;
    dir = mkdtempSync(join(tmpdir(), 'triple-curl-'));
  });
  after(async () => {
    await Promise.all([server?.close(), small?.close(), strict?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => probe.reset());

  function file(name: string, content: Buffer | string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  for (const { name, flag, expect } of HTTP_VERSIONS) {
    describe(name, () => {
      test('1/2. success with JSON: 200, normalized content type, Content-Length, metadata, trailers as trailer- headers', async () => {
        const res = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', 'tri-protocol-version: 1.0.0', '-H', 'x-custom: abc', '-H', 'x-echo-header: h1',
          '-H', 'x-echo-trailer-bin: AAH/', '-H', 'tri-service-timeout: 5000', '-d', '{"message":"Dubbo","count":2}']);
        assert.equal(res.httpVersion, expect);
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], 'application/json');
        assert.equal(Number(res.headers['content-length']), res.body.length);
        assert.equal(res.headers['x-echo-header'], 'h1', 'response header metadata');
        assert.equal(res.headers['trailer-x-served-by'], 'echo', 'trailer metadata as a trailer- header');
        assert.equal(res.headers['trailer-x-echo-trailer-bin'], 'AAH/', 'binary trailer, unpadded base64');
        const body = jsonOf(res);
        assert.equal(body.message, 'Dubbo');
        assert.equal(body.count, 2);
        assert.equal(body.meta['x-custom'], 'abc');
        for (const reserved of ['content-type', 'content-length', 'tri-protocol-version', 'tri-service-timeout', 'host', 'accept-encoding']) {
          assert.equal(body.meta[reserved], undefined, `${reserved} is not user metadata`);
        }
        assert.ok(probe.lastContext, 'handler ran');
        assert.notEqual(probe.lastContext.deadline, undefined, 'tri-service-timeout became the deadline');
      });

      test('JSON with a charset parameter is accepted', async () => {
        const res = await curl([flag, `${base}${SVC}/Echo`, '-H', 'Content-Type: application/json; charset=utf-8', '-d', '{"message":"cs"}']);
        assert.equal(res.status, 200);
        assert.equal(jsonOf(res).message, 'cs');
      });

      test('3. binary application/proto round trip', async () => {
        const req = file('req.pb', Buffer.from([0x0a, 0x05, ...Buffer.from('Dubbo')]));
        const res = await curl([flag, `${base}${SVC}/Echo`, '-H', 'Content-Type: application/proto', '--data-binary', `@${req}`, '--output', '-']);
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], 'application/proto');
        assert.equal(Number(res.headers['content-length']), res.body.length);
        assert.deepEqual(res.body.subarray(0, 7), Buffer.from([0x0a, 0x05, ...Buffer.from('Dubbo')]));
      });

      test('4. unknown method: 404 with the JSON error body', async () => {
        const res = await curl([flag, `${base}${SVC}/Nope`, ...JSON_CT, '-d', '{}']);
        assert.equal(res.status, 404);
        assert.equal(res.headers['content-type'], 'application/json');
        const body = jsonOf(res);
        assert.equal(body.code, 'unimplemented');
        assert.equal(body.status, 12);
        assert.match(body.message, /Nope/);
      });

      test('5. bad JSON: 400 invalid_argument, status 3', async () => {
        const res = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-d', '{"message":']);
        assert.equal(res.status, 400);
        const body = jsonOf(res);
        assert.equal(body.code, 'invalid_argument');
        assert.equal(body.status, 3);
        assert.equal(probe.calls, 0, 'the handler never ran');
      });

      test('bad protobuf: 400', async () => {
        const req = file('bad.pb', Buffer.from([0x0a, 0x7f, 0x01]));
        const res = await curl([flag, `${base}${SVC}/Echo`, '-H', 'Content-Type: application/proto', '--data-binary', `@${req}`]);
        assert.equal(res.status, 400);
        assert.equal(jsonOf(res).code, 'invalid_argument');
      });

      test('6. wrong content type: 415 + Accept-Post listing every accepted type', async () => {
        const res = await curl([flag, `${base}${SVC}/Echo`, '-H', 'Content-Type: text/plain', '-d', '{"message":"x"}']);
        assert.equal(res.status, 415);
        const accepted = res.headers['accept-post']!.split(', ');
        for (const ct of ['application/json', 'application/proto', 'application/grpc', 'application/grpc+proto', 'application/grpc+json']) {
          assert.ok(accepted.includes(ct), `Accept-Post lists ${ct}`);
        }
      });

      test('7. wrong method: GET on a method with side effects is 405 Allow: POST; PUT is 405 too', async () => {
        const get = await curl([flag, `${base}${SVC}/Echo`]);
        assert.equal(get.status, 405);
        assert.equal(get.headers['allow'], 'POST');
        const put = await curl([flag, '-X', 'PUT', `${base}${SVC}/Lookup`, ...JSON_CT, '-d', '{}']);
        assert.equal(put.status, 405);
        assert.equal(put.headers['allow'], 'GET, POST');
      });

      for (const header of ['tri-service-timeout', 'triple-timeout-ms']) {
        test(`8. deadline via ${header}: 408 long before the handler would finish, handler aborted`, async () => {
          const res = await curl([flag, `${base}${SVC}/Slow`, ...JSON_CT, '-H', `${header}: 100`, '-d', '{"ms":5000}']);
          assert.equal(res.status, 408);
          const body = jsonOf(res);
          assert.equal(body.code, 'deadline_exceeded');
          assert.equal(body.status, 4);
          assert.ok(res.elapsedMs < 2000, `answered after ${res.elapsedMs} ms`);
          await probe.waitFor(() => probe.events.includes('slow-aborted'));
          assert.deepEqual(probe.aborts, [{ method: 'Slow', code: 4 }]);
          assert.ok(!probe.events.includes('slow-done'));
        });
      }

      test('grpc-timeout is honoured on Triple too', async () => {
        const res = await curl([flag, `${base}${SVC}/Slow`, ...JSON_CT, '-H', 'grpc-timeout: 100m', '-d', '{"ms":5000}']);
        assert.equal(res.status, 408);
      });

      test('9. malformed timeout: 400', async () => {
        for (const [header, value] of [['tri-service-timeout', '1s'], ['triple-timeout-ms', '12345678901'], ['tri-service-timeout', '-5']]) {
          const res = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', `${header}: ${value}`, '-d', '{"message":"x"}']);
          assert.equal(res.status, 400, `${header}: ${value}`);
          assert.equal(jsonOf(res).code, 'invalid_argument');
        }
      });

      test('10. over-size body: 429 resource_exhausted, server keeps serving', async () => {
        const big = file('big.json', JSON.stringify({ message: 'x'.repeat(3000) }));
        const res = await curl([flag, `http://${small.address}${SVC}/Echo`, ...JSON_CT, '--data-binary', `@${big}`]);
        assert.equal(res.status, 429);
        const body = jsonOf(res);
        assert.equal(body.code, 'resource_exhausted');
        assert.equal(body.status, 8);
        const chunked = await curl([flag, `http://${small.address}${SVC}/Echo`, ...JSON_CT, '-H', 'Transfer-Encoding: chunked', '--data-binary', `@${big}`]);
        assert.equal(chunked.status, 429, 'detected while reading when no Content-Length announces it');
        const ok = await curl([flag, `http://${small.address}${SVC}/Echo`, ...JSON_CT, '-d', '{"message":"fits"}']);
        assert.equal(ok.status, 200);
      });

      test('11. unknown Content-Encoding: 404 unimplemented + Accept-Encoding', async () => {
        const res = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', 'Content-Encoding: zstd', '-d', '{"message":"x"}']);
        assert.equal(res.status, 404);
        assert.equal(jsonOf(res).code, 'unimplemented');
        assert.match(res.headers['accept-encoding']!, /gzip/);
      });

      test('12. gzip-compressed request body: 200', async () => {
        const gz = file('req.json.gz', gzipSync('{"message":"gz"}'));
        const res = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', 'Content-Encoding: gzip', '--data-binary', `@${gz}`]);
        assert.equal(res.status, 200);
        assert.equal(jsonOf(res).message, 'gz');
      });

      test('13. application error: Fail code 9 -> 412 with both code and status, details and error metadata', async () => {
        const res = await curl([flag, `${base}${SVC}/Fail`, ...JSON_CT, '-d', '{"code":9,"message":"you asked for an error","withDetails":true}']);
        assert.equal(res.status, 412);
        const body = jsonOf(res);
        assert.equal(body.code, 'failed_precondition');
        assert.equal(body.status, 9);
        assert.equal(body.message, 'you asked for an error');
        assert.deepEqual(body.details, [{ type: 'google.protobuf.StringValue', value: 'CgNhYmM' }]);
        assert.equal(res.headers['x-fail-reason'], 'asked');
      });

      test('GET with the query form on a NO_SIDE_EFFECTS method: JSON and base64 proto', async () => {
        const json = await curl([flag, `${base}${SVC}/Lookup?encoding=json&message=${encodeURIComponent('{"message":"q"}')}`]);
        assert.equal(json.status, 200);
        assert.equal(jsonOf(json).message, 'found q');
        const proto = Buffer.from([0x0a, 0x01, 0x62]).toString('base64url');
        const bin = await curl([flag, `${base}${SVC}/Lookup?encoding=proto&base64=1&message=${proto}`, '--output', '-']);
        assert.equal(bin.status, 200);
        assert.equal(bin.headers['content-type'], 'application/proto');
        assert.ok(bin.body.includes(Buffer.from('found b')));
        const gz = gzipSync('{"message":"z"}').toString('base64url');
        const compressed = await curl([flag, `${base}${SVC}/Lookup?encoding=json&base64=1&compression=gzip&message=${gz}`]);
        assert.equal(jsonOf(compressed).message, 'found z');
        const bad = await curl([flag, `${base}${SVC}/Lookup?encoding=xml`]);
        assert.equal(bad.status, 400);
      });

      test('Accept-Encoding: gzip compresses responses at or above compressMinBytes only', async () => {
        const large = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', 'Accept-Encoding: gzip', '-d', JSON.stringify({ message: 'a'.repeat(2000) }), '--output', '-']);
        assert.equal(large.status, 200);
        assert.equal(large.headers['content-encoding'], 'gzip');
        assert.equal(Number(large.headers['content-length']), large.body.length);
        assert.equal(JSON.parse(gunzipSync(large.body).toString()).message, 'a'.repeat(2000));
        const smallRes = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', 'Accept-Encoding: gzip', '-d', '{"message":"tiny"}']);
        assert.equal(smallRes.headers['content-encoding'], undefined);
        assert.equal(jsonOf(smallRes).message, 'tiny');
      });

      test('Dubbo group/version routing: exact match, fallback to the unversioned handler, no match -> 404', async () => {
        const exact = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', 'tri-service-group: blue', '-H', 'tri-service-version: 2.0.0', '-d', '{"message":"x"}']);
        assert.equal(jsonOf(exact).message, 'blue-v2:x');
        const fallback = await curl([flag, `${base}${SVC}/Echo`, ...JSON_CT, '-H', 'tri-service-version: 2.0.0', '-d', '{"message":"x"}']);
        assert.equal(jsonOf(fallback).message, 'x', 'no group: the handler registered without group/version answers');
        assert.equal(jsonOf(fallback).meta['tri-service-version'], '2.0.0', 'route headers stay readable as metadata');
        const v1 = await curl([flag, `${base}/echo.v1.OtherService/Ping`, ...JSON_CT, '-H', 'tri-service-version: 1.0.0', '-d', '{}']);
        assert.equal(v1.status, 200);
        const none = await curl([flag, `${base}/echo.v1.OtherService/Ping`, ...JSON_CT, '-H', 'tri-service-version: 9.9.9', '-d', '{}']);
        assert.equal(none.status, 404);
        assert.equal(jsonOf(none).code, 'unimplemented');
        assert.match(jsonOf(none).message, /9\.9\.9/);
      });

      test('Java interface-style path with a lower-case method name reaches the method', async () => {
        const res = await curl([flag, `${base}${SVC}/echo`, ...JSON_CT, '-d', '{"message":"lower"}']);
        assert.equal(res.status, 200);
        assert.equal(jsonOf(res).message, 'lower');
      });

      test('a streaming method called as Triple unary gets a clear error naming gRPC', async () => {
        const res = await curl([flag, `${base}${SVC}/EchoBidi`, ...JSON_CT, '-d', '{}']);
        assert.equal(res.status, 415);
        const body = jsonOf(res);
        assert.equal(body.code, 'unimplemented');
        assert.equal(body.message, 'EchoBidi is a bidi-streaming method: call it with gRPC (application/grpc) over HTTP/2');
        const server = await curl([flag, `${base}${SVC}/EchoServerStream`, ...JSON_CT, '-d', '{}']);
        assert.equal(server.status, 415);
        assert.match(jsonOf(server).message, /text\/event-stream/);
      });

      test('server streaming as Server-Sent Events with Accept: text/event-stream', async () => {
        const res = await curl([flag, `${base}${SVC}/EchoServerStream`, ...JSON_CT, '-H', 'Accept: text/event-stream', '-d', '{"message":"s","count":3}']);
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], 'text/event-stream');
        const events = res.text.split('\n\n').filter(Boolean);
        assert.deepEqual(events.slice(0, 3).map((e) => JSON.parse(e.replace(/^data: /, '')).message), ['s-0', 's-1', 's-2']);
        assert.equal(events[3], 'event: status\ndata: {"code":"ok","status":0}');
        assert.equal(events.length, 4);
      });

      test('SSE: a deadline after the first event ends the stream with an error status event', async () => {
        const res = await curl([flag, `${base}${SVC}/EchoServerStream`, ...JSON_CT, '-H', 'Accept: text/event-stream', '-H', 'tri-service-timeout: 300',
          '-d', '{"message":"iterable","count":10,"delayMs":100}']);
        assert.equal(res.status, 200);
        const events = res.text.split('\n\n').filter(Boolean);
        assert.ok(events.length >= 2 && events.length < 10, `${events.length} events`);
        const last = events.at(-1)!;
        assert.match(last, /^event: status\ndata: /);
        const status = JSON.parse(last.slice(last.indexOf('data: ') + 6));
        assert.equal(status.code, 'deadline_exceeded');
        assert.equal(status.status, 4);
        await probe.waitFor(() => probe.events.includes('iterable-finally'));
      });

      test('requireProtocolHeader: 400 without tri-protocol-version / triple-protocol-version', async () => {
        const missing = await curl([flag, `http://${strict.address}${SVC}/Echo`, ...JSON_CT, '-d', '{}']);
        assert.equal(missing.status, 400);
        assert.equal(jsonOf(missing).code, 'invalid_argument');
        for (const header of ['tri-protocol-version: 1.0.0', 'triple-protocol-version: 0.1.0']) {
          const ok = await curl([flag, `http://${strict.address}${SVC}/Echo`, ...JSON_CT, '-H', header, '-d', '{}']);
          assert.equal(ok.status, 200, header);
        }
      });
    });
  }

  test('a gRPC content type over HTTP/1.1 is 505 + connection: close', async () => {
    const res = await curl(['--http1.1', `${base}${SVC}/EchoBidi`, '-H', 'Content-Type: application/grpc', '--data-binary', 'xxxxx']);
    assert.equal(res.status, 505);
    assert.equal(res.headers['connection'], 'close');
  });

  test('SSE over HTTP/1.1 uses chunked transfer and keeps the connection reusable', async () => {
    const url = `${base}${SVC}/EchoServerStream`;
    const res = await curl(['--http1.1', url, ...JSON_CT, '-H', 'Accept: text/event-stream', '-d', '{"message":"a","count":2}', '--next', '-sS', '-i', '--http1.1', `${base}${SVC}/Echo`, ...JSON_CT, '-d', '{"message":"after"}']);
    assert.equal(res.status, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.match(res.text, /"message":"after"/, 'the second request on the same connection is answered');
  });
});
