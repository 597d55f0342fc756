import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { envelope, grpcMessage, grpcStatus, RawH2Client } from '../helpers/raw-h2-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

const ECHO = '/echo.v1.EchoService/Echo';
const grpcHeaders = { 'content-type': 'application/grpc', te: 'trailers' };
/** EchoRequest{message: "hi"} in protobuf. */
const HI = Buffer.from([0x0a, 0x02, 0x68, 0x69]);

describe('gRPC wire behaviour and bad input (raw HTTP/2 client)', () => {
  let server: RunningServer;
  let client: RawH2Client;

  before(async () => {
    server = await startEchoServer({ maxReceiveMessageLength: 1024, maxMetadataSize: 4096 });
    client = new RawH2Client(server.address);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  async function assertStillServing(): Promise<void> {
    const ok = await client.request(ECHO, grpcHeaders, envelope(HI));
    assert.equal(grpcStatus(ok), 0);
  }

  test('a unary response is one envelope with headers, then grpc-status 0 trailers', async () => {
    const res = await client.request(ECHO, grpcHeaders, envelope(HI));
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/grpc/);
    assert.equal(res.body[0], 0);
    assert.equal(res.body.readUInt32BE(1), res.body.length - 5);
    assert.equal(res.trailers['grpc-status'], '0');
  });

  test('an envelope split across many DATA frames is reassembled', async () => {
    const whole = envelope(HI);
    const res = await client.request(ECHO, grpcHeaders, [...whole].map((b) => Buffer.from([b])));
    assert.equal(grpcStatus(res), 0);
  });

  test('application/grpc+json uses the proto3 JSON mapping', async () => {
    const body = Buffer.from(JSON.stringify({ message: 'json', big: '123', kind: 'KIND_A', delay_ms: 5 }));
    const res = await client.request(ECHO, { ...grpcHeaders, 'content-type': 'application/grpc+json' }, envelope(body));
    assert.equal(grpcStatus(res), 0);
    assert.equal(res.headers['content-type'], 'application/grpc+json');
    const json = JSON.parse(res.body.subarray(5).toString());
    assert.equal(json.message, 'json');
    assert.equal(json.big, '123');
    assert.equal(json.kind, 'KIND_A');
    assert.equal(json.delayMs, 5, 'lowerCamel names out');
  });

  test('truncated envelope -> INVALID_ARGUMENT', async () => {
    const res = await client.request(ECHO, grpcHeaders, envelope(HI).subarray(0, 6));
    assert.equal(grpcStatus(res), 3);
    await assertStillServing();
  });

  test('a unary request with two messages or none -> INVALID_ARGUMENT', async () => {
    const two = await client.request(ECHO, grpcHeaders, Buffer.concat([envelope(HI), envelope(HI)]));
    assert.equal(grpcStatus(two), 3);
    assert.match(grpcMessage(two) ?? '', /more than one message/);
    const none = await client.request(ECHO, grpcHeaders, Buffer.alloc(0));
    assert.equal(grpcStatus(none), 3);
    assert.match(grpcMessage(none) ?? '', /missing request message/);
    await assertStillServing();
  });

  test('length prefix over the limit -> RESOURCE_EXHAUSTED without waiting for the payload', async () => {
    const header = Buffer.from([0, 0, 0x10, 0, 0]); // announces 1 MiB, sends nothing more
    const res = await client.request(ECHO, grpcHeaders, header);
    assert.equal(grpcStatus(res), 8);
    await assertStillServing();
  });

  test('compressed flag without grpc-encoding -> INVALID_ARGUMENT', async () => {
    const res = await client.request(ECHO, grpcHeaders, envelope(HI, 1));
    assert.equal(grpcStatus(res), 3);
  });

  test('gzip-compressed request with grpc-encoding is accepted; unknown encoding is UNIMPLEMENTED', async () => {
    const ok = await client.request(ECHO, { ...grpcHeaders, 'grpc-encoding': 'gzip' }, envelope(gzipSync(HI), 1));
    assert.equal(grpcStatus(ok), 0);
    const bad = await client.request(ECHO, { ...grpcHeaders, 'grpc-encoding': 'zstd' }, envelope(HI, 1));
    assert.equal(grpcStatus(bad), 12);
    assert.match(String(bad.headers['grpc-accept-encoding'] ?? bad.trailers['grpc-accept-encoding']), /gzip/);
  });

  test('invalid protobuf -> INVALID_ARGUMENT', async () => {
    const res = await client.request(ECHO, grpcHeaders, envelope(Buffer.from([0x0a, 0x50, 0x01])));
    assert.equal(grpcStatus(res), 3);
    await assertStillServing();
  });

  test('invalid JSON -> INVALID_ARGUMENT', async () => {
    const res = await client.request(ECHO, { ...grpcHeaders, 'content-type': 'application/grpc+json' }, envelope(Buffer.from('{"message":')));
    assert.equal(grpcStatus(res), 3);
  });

  test('unknown service and method -> UNIMPLEMENTED (trailers-only)', async () => {
    const m = await client.request('/echo.v1.EchoService/Nope', grpcHeaders, envelope(HI));
    assert.equal(m.status, 200);
    assert.equal(grpcStatus(m), 12);
    const s = await client.request('/echo.v1.Nope/Echo', grpcHeaders, envelope(HI));
    assert.equal(grpcStatus(s), 12);
    assert.match(grpcMessage(s)!, /echo\.v1\.Nope/);
  });

  test('a Java-style lower-case method name reaches the method', async () => {
    const res = await client.request('/echo.v1.EchoService/echo', grpcHeaders, envelope(HI));
    assert.equal(grpcStatus(res), 0);
  });

  test('wrong content type -> 415 with Accept-Post', async () => {
    const res = await client.request(ECHO, { 'content-type': 'text/plain' }, HI);
    assert.equal(res.status, 415);
    assert.match(String(res.headers['accept-post']), /application\/grpc/);
  });

  test('malformed grpc-timeout -> INVALID_ARGUMENT', async () => {
    for (const bad of ['1s', '123456789S', 'S', '-1m']) {
      const res = await client.request(ECHO, { ...grpcHeaders, 'grpc-timeout': bad }, envelope(HI));
      assert.equal(grpcStatus(res), 3, `grpc-timeout ${bad}`);
    }
    await assertStillServing();
  });

  test('grpc-timeout units are honoured', async () => {
    const started = Date.now();
    const res = await client.request('/echo.v1.EchoService/Slow', { ...grpcHeaders, 'grpc-timeout': '150000u' }, envelope(Buffer.from([0x08, 0xe8, 0x07])));
    assert.equal(grpcStatus(res), 4);
    assert.ok(Date.now() - started < 900);
  });

  test('oversized metadata is refused and the server keeps serving', async () => {
    const other = new RawH2Client(server.address);
    try {
      const res = await other.request(ECHO, { ...grpcHeaders, 'x-big': 'a'.repeat(8000) }, envelope(HI)).catch(() => undefined);
      assert.ok(res === undefined || res.status !== 200 || grpcStatus(res) !== 0, 'oversized metadata must not succeed');
    } finally {
      other.close();
    }
    await assertStillServing();
  });

  test('Dubbo headers are exposed as metadata and do not block an unversioned handler', async () => {
    const res = await client.request(ECHO, { ...grpcHeaders, 'tri-service-version': '1.0.0', 'tri-service-group': 'g1', 'tri-consumer-appname': 'java-app' }, envelope(HI));
    assert.equal(grpcStatus(res), 0);
    const text = res.body.subarray(5).toString('latin1');
    assert.match(text, /tri-consumer-appname/);
    assert.match(text, /java-app/);
  });
});
