import assert from 'node:assert/strict';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect as h2connect, type ClientHttp2Session, type IncomingHttpHeaders, type SecureClientSessionOptions } from 'node:http2';
import { connect as netConnect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { curl, jsonOf } from '../helpers/curl.js';
import { envelope } from '../helpers/raw-h2-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { generateTestPki, type TestPki } from '../helpers/test-certs.js';

const ECHO = '/echo.v1.EchoService/Echo';
/** EchoRequest{message: "hi"} in protobuf. */
const HI = Buffer.from([0x0a, 0x02, 0x68, 0x69]);

interface H2Result {
  status: number;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Buffer;
}

function h2Session(address: string, options: SecureClientSessionOptions): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`https://${address}`, options);
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function h2Post(session: ClientHttp2Session, headers: Record<string, string>, body: Buffer): Promise<H2Result> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': ECHO, ...headers });
    let response: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (response = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => resolve({ status: Number(response[':status']), headers: response, trailers, body: Buffer.concat(chunks) }));
    stream.end(body);
  });
}

/** A Triple JSON POST over HTTPS/1.1 (ALPN http/1.1, or none). */
function h1Post(address: string, options: { ca?: Buffer; key?: Buffer; cert?: Buffer; alpn?: string[] }): Promise<{ status: number; body: string; alpn: string | false | null }> {
  const [host, port] = address.split(':');
  // ALPNProtocols reaches tls.connect at runtime; @types/node leaves it out of https.RequestOptions.
  const requestOptions: RequestOptions & { ALPNProtocols?: string[] } = {
    host, port: Number(port), method: 'POST', path: ECHO, headers: { 'content-type': 'application/json' }, ca: options.ca, key: options.key, cert: options.cert, agent: false,
  };
  if (options.alpn) requestOptions.ALPNProtocols = options.alpn;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      requestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), alpn: (res.socket as TLSSocket).alpnProtocol }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end('{"message":"h1"}');
  });
}

async function assertServes(address: string, pki: TestPki, client: { key?: Buffer; cert?: Buffer } = {}): Promise<void> {
  const session = await h2Session(address, { ca: pki.ca, ...client });
  try {
    const grpc = await h2Post(session, { 'content-type': 'application/grpc', te: 'trailers' }, envelope(HI));
    assert.equal(grpc.status, 200);
    assert.equal(grpc.trailers['grpc-status'], '0');
    assert.equal(session.alpnProtocol, 'h2');
    const triple = await h2Post(session, { 'content-type': 'application/json' }, Buffer.from('{"message":"h2"}'));
    assert.equal(triple.status, 200);
    assert.equal(JSON.parse(triple.body.toString()).message, 'h2');
  } finally {
    session.close();
  }
  const h1 = await h1Post(address, { ca: pki.ca, ...client, alpn: ['http/1.1'] });
  assert.equal(h1.status, 200);
  assert.equal(h1.alpn, 'http/1.1');
  assert.equal(JSON.parse(h1.body).message, 'h1');
}

describe('TLS: gRPC and Triple over h2 and HTTP/1.1 by ALPN, mutual TLS', () => {
  let pki: TestPki;
  let tls: RunningServer;
  let mtls: RunningServer;

  before(async () => {
    pki = generateTestPki();
    tls = await startEchoServer({ tls: { key: pki.serverKey, cert: pki.serverCert } });
    mtls = await startEchoServer({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true } });
  });
  after(async () => {
    await Promise.all([tls?.close(), mtls?.close()]);
    pki?.remove();
  });

  test('gRPC and Triple over h2 (ALPN h2) and Triple over HTTP/1.1 (ALPN http/1.1)', async () => {
    await assertServes(tls.address, pki);
  });

  test('a client offering no ALPN gets HTTP/1.1', async () => {
    const res = await h1Post(tls.address, { ca: pki.ca });
    assert.equal(res.status, 200);
    assert.equal(res.alpn, false);
  });

  test('curl over TLS, HTTP/1.1 and HTTP/2', async () => {
    for (const [flag, version] of [['--http1.1', 'HTTP/1.1'], ['--http2', 'HTTP/2']] as const) {
      const res = await curl([flag, '--cacert', pki.paths.ca, `https://${tls.address}${ECHO}`, '-H', 'Content-Type: application/json', '-d', '{"message":"curl"}']);
      assert.equal(res.httpVersion, version);
      assert.equal(res.status, 200);
      assert.equal(jsonOf(res).message, 'curl');
    }
  });

  test('failed handshakes (untrusted server cert, plaintext on the TLS port) do not hurt the server', async () => {
    await assert.rejects(h1Post(tls.address, {}), /self-signed|unable to verify|certificate/i);
    await new Promise<void>((resolve) => {
      const [host, port] = tls.address.split(':');
      const socket = netConnect(Number(port), host!, () => socket.end('POST / HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
    await assertServes(tls.address, pki);
  });

  test('mTLS: a client without a certificate is rejected', async () => {
    await assert.rejects(async () => {
      const session = await h2Session(mtls.address, { ca: pki.ca });
      try {
        await h2Post(session, { 'content-type': 'application/json' }, Buffer.from('{}'));
      } finally {
        session.destroy();
      }
    });
    await assert.rejects(h1Post(mtls.address, { ca: pki.ca }));
  });

  test('mTLS: a certificate from an untrusted CA is rejected', async () => {
    await assert.rejects(h1Post(mtls.address, { ca: pki.ca, key: pki.rogueKey, cert: pki.rogueCert }));
  });

  test('mTLS: a client with a valid certificate passes, over h2 and HTTP/1.1 (node and curl)', async () => {
    await assertServes(mtls.address, pki, { key: pki.clientKey, cert: pki.clientCert });
    const res = await curl(['--http2', '--cacert', pki.paths.ca, '--cert', pki.paths.clientCert, '--key', pki.paths.clientKey,
      `https://${mtls.address}${ECHO}`, '-H', 'Content-Type: application/json', '-d', '{"message":"mtls"}']);
    assert.equal(res.status, 200);
    assert.equal(jsonOf(res).message, 'mtls');
  });
});
