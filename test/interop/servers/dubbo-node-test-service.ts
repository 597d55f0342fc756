import { createServer as createHttp1Server, type Server as Http1Server } from 'node:http';
import { createServer as createH2Server, type Http2Server, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { DubboError } from '@apachedubbo/dubbo';
import { dubboNodeAdapter } from '@apachedubbo/dubbo-node';
import { DUBBO_GROUP, DUBBO_VERSION } from '../harness/interop-data.js';
import { ServerObserver } from '../harness/observer.js';
import { TestServiceType } from '../peers/bufbuild-types.js';
import { createEsTestServiceImpl, type EsHandlerContext } from './es-test-service-impl.js';


/**
 * grpc.testing.TestService on @apachedubbo/dubbo-node 3.0.0-alpha (dubbo-js), every protocol it
 * serves (Triple, gRPC) on two listeners: h2c and HTTP/1.1 (Triple unary). The service is
 * registered twice: without group/version (observed by `observer`) and under
 * {@link DUBBO_GROUP}/{@link DUBBO_VERSION} (observed by `versioned`), so routing by
 * `tri-service-group` / `tri-service-version` is visible.
 */
export interface RunningDubboTestService {
  observer: ServerObserver;
  versioned: ServerObserver;
  host: string;
  /** h2c (Triple and gRPC). */
  h2Port: number;
  /** HTTP/1.1 (Triple unary). */
  h1Port: number;
  close(): Promise<void>;
}

function flavour() {
  return {
    error: (code: number, message: string) => new DubboError(message, code),
    abortCode: (reason: unknown) => (reason instanceof DubboError ? reason.code : undefined),
    requestEncoding: (ctx: EsHandlerContext) => ctx.requestHeader.get('grpc-encoding') ?? ctx.requestHeader.get('content-encoding') ?? undefined,
  };
}

export async function startDubboTestService(): Promise<RunningDubboTestService> {
  const observer = new ServerObserver();
  const versioned = new ServerObserver();
  const handler = dubboNodeAdapter({
    routes: (router) => {
      router.service(TestServiceType as any, createEsTestServiceImpl(observer, flavour()) as any);
      router.service(TestServiceType as any, createEsTestServiceImpl(versioned, flavour()) as any, { serviceGroup: DUBBO_GROUP, serviceVersion: DUBBO_VERSION });
    },
    triple: true,
    grpc: true,
    grpcWeb: false,
  });
  const h2: Http2Server = createH2Server(handler);
  const h1: Http1Server = createHttp1Server(handler);
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  h2.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  h1.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => h1.listen(0, '127.0.0.1', resolve));
  return {
    observer,
    versioned,
    host: '127.0.0.1',
    h2Port: (h2.address() as AddressInfo).port,
    h1Port: (h1.address() as AddressInfo).port,
    close: async () => {
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => h2.close(r)), new Promise((r) => h1.close(r))]);
    },
  };
}
