import { startTripleClients, stopTripleClients, tripleClientCases, type TripleCaseCtx } from './clients/triple-client-cases.js';
import { describeInterop } from './harness/suite.js';
import { startGrpcJsTestService, type RunningGrpcJsTestService } from './servers/grpc-js-test-service.js';

/** TripleClient (gRPC) against a TestService written with plain @grpc/grpc-js. */
let peer: RunningGrpcJsTestService | undefined;

describeInterop<TripleCaseCtx>('grpc-js-server', {
  async setup() {
    peer = await startGrpcJsTestService();
    return startTripleClients({
      host: peer.host,
      port: peer.port,
      observer: peer.observer,
      clientOptions: { protocol: 'grpc' },
      // grpc-js tells a handler 'cancelled' both on client cancel and on deadline.
      abortCodes: { cancel: ['cancelled'], deadline: ['cancelled'] },
    });
  },
  async teardown(ctx) {
    await stopTripleClients(ctx);
    await peer?.close();
  },
  cases: tripleClientCases,
});
