import { startTripleClients, stopTripleClients, tripleClientCases, type TripleCaseCtx } from './clients/triple-client-cases.js';
import { Status } from './harness/interop-data.js';
import { describeInterop } from './harness/suite.js';
import { startConnectTestService, type RunningConnectTestService } from './servers/connect-test-service.js';

/** TripleClient (gRPC) against a TestService served by @connectrpc/connect-node (gRPC protocol, h2c). */
let peer: RunningConnectTestService | undefined;

describeInterop<TripleCaseCtx>('connect-node-server', {
  async setup() {
    peer = await startConnectTestService();
    return startTripleClients({
      host: peer.host,
      port: peer.port,
      observer: peer.observer,
      clientOptions: { protocol: 'grpc' },
      // connect aborts ctx.signal with a ConnectError: Canceled on client cancel, DeadlineExceeded on deadline.
      abortCodes: { cancel: [Status.CANCELLED], deadline: [Status.DEADLINE_EXCEEDED] },
    });
  },
  async teardown(ctx) {
    await stopTripleClients(ctx);
    await peer?.close();
  },
  cases: tripleClientCases,
});
