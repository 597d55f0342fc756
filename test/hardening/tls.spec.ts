import assert from 'node:assert/strict';
import { connect as h2connect, type SecureClientSessionOptions } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { envelope } from '../helpers/raw-h2-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { generateTestPki, hasOpenssl, type TestPki } from '../helpers/test-certs.js';
import { splitAddress } from './helpers/h2-frames.js';

/** Outcome of a TLS handshake attempt: the negotiated protocol, or the error code. */
function handshake(address: string, options: ConnectionOptions): Promise<{ protocol?: string | null; alpn?: string | false | null; error?: string }> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, servername: 'localhost', ALPNProtocols: ['h2'], ...options });
    socket.once('secureConnect', () => {
      // mTLS refusals arrive as an alert right after the handshake (TLS 1.3): wait a moment.
      setTimeout(() => {
        resolve({ protocol: socket.getProtocol(), alpn: socket.alpnProtocol });
        socket.destroy();
      }, 100);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

/** A unary Echo over TLS + h2; resolves with grpc-status, or the error code. */
function echo(address: string, options: SecureClientSessionOptions): Promise<string> {
  return new Promise((resolve) => {
    const session = h2connect(`https://${address}`, { servername: 'localhost', ...options });
    session.on('error', (e: NodeJS.ErrnoException) => resolve(`error:${e.code ?? e.message}`));
    const stream = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Echo', 'content-type': 'application/grpc', te: 'trailers' });
    let status: string | undefined;
    stream.on('trailers', (t) => (status = t['grpc-status'] as string));
    stream.on('error', (e: NodeJS.ErrnoException) => resolve(`error:${e.code ?? e.message}`));
    stream.resume();
    stream.on('close', () => {
      session.close();
      resolve(status ?? `rst:${stream.rstCode}`);
    });
    stream.end(envelope(Buffer.alloc(0)));
  });
}

describe('TLS: 1.2+ only, mutual TLS, handshake failures do not crash', { timeout: 90_000, skip: hasOpenssl() ? false : 'openssl not available' }, () => {
  let pki: TestPki;
  let server: RunningServer;
  let mtls: RunningServer;

  before(async () => {
    pki = generateTestPki();
    server = await startEchoServer({ tls: { key: pki.serverKey, cert: pki.serverCert }, handshakeTimeoutMs: 300 });
    mtls = await startEchoServer({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true } });
  });
  after(async () => {
    await server?.close();
    await mtls?.close();
    pki?.remove();
  });

  test('a TLS 1.2 and a TLS 1.3 client get h2 and are served', async () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const result = await handshake(server.address, { ca: pki.ca, minVersion: version, maxVersion: version });
      assert.deepEqual(result, { protocol: version, alpn: 'h2' });
    }
    assert.equal(await echo(server.address, { ca: pki.ca }), '0');
  });

  test('a TLS 1.1 client is refused by the server (protocol_version alert)', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal is the server's.
    const result = await handshake(server.address, { ca: pki.ca, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.equal(result.error, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', JSON.stringify(result));
  });

  test('mTLS: a client certificate signed by the CA is served', async () => {
    assert.equal(await echo(mtls.address, { ca: pki.ca, key: pki.clientKey, cert: pki.clientCert }), '0');
  });

  test('mTLS: no client certificate, or an untrusted one, is refused', async () => {
    for (const options of [{ ca: pki.ca }, { ca: pki.ca, key: pki.rogueKey, cert: pki.rogueCert }]) {
      const result = await echo(mtls.address, options);
      assert.match(result, /^(error:|rst:)/, `expected a refusal, got ${result}`);
    }
  });

  test('garbage, a plaintext HTTP/2 preface and a silent socket on the TLS port: closed, the server keeps serving', async () => {
    const [host, port] = splitAddress(server.address);
    const probes = [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.alloc(4096, 0x16), undefined];
    const closes = await Promise.all(
      probes.map(
        (bytes) =>
          new Promise<number>((resolve) => {
            const started = performance.now();
            const socket = netConnect({ host, port }, () => bytes && socket.write(bytes));
            socket.on('error', () => undefined);
            socket.resume();
            socket.once('close', () => resolve(performance.now() - started));
          }),
      ),
    );
    // The silent one goes after handshakeTimeoutMs (300 ms), the others at once.
    assert.ok(closes.every((ms) => ms < 3000), `closed after ${closes.map(Math.round).join(', ')} ms`);
    assert.equal(await echo(server.address, { ca: pki.ca }), '0');
  });
});
