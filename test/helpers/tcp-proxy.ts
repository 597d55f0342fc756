import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 for transport tests: counts bytes each way (to see compression
 * on the wire), counts connections, and can go silent — keep every socket open but stop
 * forwarding, which looks to a client exactly like a frozen peer or a dropped NAT entry.
 */
export interface TcpProxy {
  readonly address: string;
  readonly port: number;
  /** Bytes client → server and server → client so far. */
  readonly bytes: { up: number; down: number };
  readonly connections: number;
  /** Stop forwarding in both directions (sockets stay open, data is swallowed). */
  blackhole(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const bytes = { up: 0, down: 0 };
  const sockets = new Set<Socket>();
  let connections = 0;
  let silent = false;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (silent) return;
      bytes.up += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (silent) return;
      bytes.down += chunk.length;
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    bytes,
    get connections() {
      return connections;
    },
    blackhole() {
      silent = true;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
