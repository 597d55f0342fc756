import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code } from '../../lib/core/code.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { createClientTransport } from '../../lib/nest/client/create-client-transport.js';
import { probe, type EchoMessage } from '../fixtures/echo.controller.js';
import { collectStream, echoMethod } from '../helpers/echo-methods.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { generateTestPki, type TestPki } from '../helpers/test-certs.js';

const Echo = echoMethod('Echo');
const ServerStream = echoMethod('EchoServerStream');

describe('client transport over TLS (mutual TLS server)', () => {
  let pki: TestPki;
  let server: RunningServer;
  let port: number;

  before(async () => {
    pki = generateTestPki();
    server = await startEchoServer({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true } });
    port = Number(server.address.split(':')[1]);
  });
  after(async () => {
    await server.close();
    pki.remove();
  });

  test('gRPC over h2 (ALPN) and Triple unary over HTTP/1.1, with a client certificate', async () => {
    const tls = { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey };
    const grpc = createClientTransport({ url: `127.0.0.1:${port}`, tls, timeout: 5000 });
    const triple = createClientTransport({ url: `127.0.0.1:${port}`, tls, protocol: 'triple', httpVersion: '1.1', timeout: 5000 });
    try {
      assert.equal((await grpc.unary<EchoMessage, EchoMessage>(Echo, { message: 'tls' })).message.message, 'tls');
      assert.equal((await collectStream(grpc.serverStream(ServerStream, { message: 's', count: 2 }))).length, 2);
      assert.equal((await triple.unary<EchoMessage, EchoMessage>(Echo, { message: 'tls1' })).message.message, 'tls1');
      assert.equal(probe.lastContext?.httpVersion, '1.1');
    } finally {
      await grpc.close();
      await triple.close();
    }
  });

  test('the certificate name is checked against the target host (dns:///localhost)', async () => {
    const client = createClientTransport({ url: `dns:///localhost:${port}`, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }, timeout: 5000, reconnectBackoff: { initialMs: 20, maxMs: 50 } });
    try {
      assert.equal((await client.unary<EchoMessage, EchoMessage>(Echo, { message: 'sni' })).message.message, 'sni');
    } finally {
      await client.close();
    }
  });

  test('an untrusted server or a missing client certificate fails UNAVAILABLE, never hangs', async () => {
    const untrusted = createClientTransport({ url: `127.0.0.1:${port}`, tls: true, retry: false, reconnectBackoff: { initialMs: 20, maxMs: 50 } });
    const noCert = createClientTransport({ url: `127.0.0.1:${port}`, tls: { ca: pki.ca }, retry: false, timeout: 2000, reconnectBackoff: { initialMs: 20, maxMs: 50 } });
    try {
      await assert.rejects(untrusted.unary(Echo, {}), (e: unknown) => e instanceof TripleError && e.code === Code.UNAVAILABLE);
      await assert.rejects(noCert.unary(Echo, {}), (e: unknown) => e instanceof TripleError && (e.code === Code.UNAVAILABLE || e.code === Code.DEADLINE_EXCEEDED));
    } finally {
      await untrusted.close();
      await noCert.close();
    }
  });
});
