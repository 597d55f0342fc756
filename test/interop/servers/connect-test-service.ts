import { createServer, type Http2Server, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code as ConnectCode, ConnectError } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { ServerObserver } from '../harness/observer.js';
import { TestServiceType } from '../peers/bufbuild-types.js';
import { createEsTestServiceImpl } from './es-test-service-impl.js';

/**
 * grpc.testing.TestService on @connectrpc/connect-node (v1), served over h2c with the gRPC
 * protocol only: a second independent gRPC server for TripleClient. Handlers get an
 * AbortSignal (`ctx.signal`) like ours, so cancels and deadlines are observed the same way.
 */
export interface RunningConnectTestService {
  server: Http2Server;
  observer: ServerObserver;
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startConnectTestService(): Promise<RunningConnectTestService> {
  const observer = new ServerObserver();
  const impl = createEsTestServiceImpl(observer, {
    error: (code, message) => new ConnectError(message, code as ConnectCode),
    abortCode: (reason) => (reason instanceof ConnectError ? reason.code : undefined),
    requestEncoding: (ctx) => ctx.requestHeader.get('grpc-encoding') ?? undefined,
  });
  const handler = connectNodeAdapter({
    routes: (router) => router.service(TestServiceType, impl as any),
    grpc: true,
    grpcWeb: false,
    connect: false,
  });
  const server = createServer(handler);
  const sessions = new Set<Http2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    observer,
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
