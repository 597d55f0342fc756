import { ConnectError, createPromiseClient, decodeBinaryHeader, encodeBinaryHeader } from '@connectrpc/connect';
import { compressionGzip, createGrpcTransport } from '@connectrpc/connect-node';
import { esClientCases, type EsClientCtx } from './clients/es-client-cases.js';
import { describeInterop } from './harness/suite.js';
import { startWireTap } from './harness/wire-tap.js';
import { TestServiceType, UnimplementedServiceType } from './peers/bufbuild-types.js';
import { nestObserver, startNestTestService, type RunningNestTestService } from './servers/nest-test-service.js';

/** @connectrpc/connect-node v1's gRPC transport (h2c) against TripleServer. */
let server: RunningNestTestService | undefined;

describeInterop<EsClientCtx>('connect-node-client', {
  async setup() {
    server = await startNestTestService();
    const tap = await startWireTap({ host: server.host, port: server.port });
    const baseUrl = `http://${tap.address}`;
    const transport = createGrpcTransport({ baseUrl, httpVersion: '2' });
    const gzipTransport = createGrpcTransport({ baseUrl, httpVersion: '2', sendCompression: compressionGzip });
    return {
      tap,
      observer: nestObserver,
      client: createPromiseClient(TestServiceType, transport),
      gzipClient: createPromiseClient(TestServiceType, gzipTransport),
      unimplemented: createPromiseClient(UnimplementedServiceType, transport),
      lib: { toError: (e) => ConnectError.from(e), encodeBinaryHeader, decodeBinaryHeader },
      wire: 'grpc',
      expectVia: { protocol: 'grpc', httpVersion: '2', codec: 'proto' },
    };
  },
  async teardown(ctx) {
    await ctx?.tap.close();
    await server?.close();
  },
  cases: esClientCases,
});
