import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { after, describe, test } from 'node:test';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

/** Connects and waits until the server's SETTINGS and its connection WINDOW_UPDATE arrived. */
async function connectAndSettle(address: string): Promise<ClientHttp2Session> {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined);
  await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
  // The WINDOW_UPDATE follows the SETTINGS frame; a PING round trip is ordered after both.
  await new Promise<void>((resolve, reject) => session.ping((e) => (e ? reject(e) : resolve())));
  return session;
}

describe('HTTP/2 receive windows (initialWindowSize, connectionWindowSize)', () => {
  const servers: RunningServer[] = [];
  const sessions: ClientHttp2Session[] = [];
  after(async () => {
    for (const s of sessions) s.destroy();
    for (const s of servers) await s.close();
  });

  test('defaults: 192 KiB per stream, 1 MiB per connection', async () => {
    const server = await startEchoServer();
    servers.push(server);
    const session = await connectAndSettle(server.address);
    sessions.push(session);
    assert.equal(session.remoteSettings.initialWindowSize, 192 * 1024);
    assert.equal(session.state.remoteWindowSize, 1024 * 1024);
  });

  test('configured values are advertised', async () => {
    const server = await startEchoServer({ initialWindowSize: 100_000, connectionWindowSize: 65_535 });
    servers.push(server);
    const session = await connectAndSettle(server.address);
    sessions.push(session);
    assert.equal(session.remoteSettings.initialWindowSize, 100_000);
    assert.equal(session.state.remoteWindowSize, 65_535);
  });
});
