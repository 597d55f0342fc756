/**
 * Diagnostic, not a compared server: bench.v1.BenchService on nestjs-triple's transport WITHOUT
 * Nest — the same TripleHttpServer, protocol negotiation, gRPC/Triple handlers and codecs as
 * TripleServer, with the bench logic registered as plain functions instead of Nest handlers.
 * Its unary CPU per call, next to triple-server's, tells what Nest's per-call pipeline costs
 * (RpcProxy, RpcContextCreator, param pipes). Unary only. Usage: node triple-core-server.js <port>.
 */
import { Code } from '../../lib/core/code.js';
import { loadProtos } from '../../lib/core/proto-loader.js';
import type { ServerHandlerOptions } from '../../lib/core/server-options.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { TripleHttpServer } from '../../lib/http2/http-server.js';
import { resolveServerOptions } from '../../lib/nest/server/server-options.js';
import { createCallDispatcher } from '../../lib/protocol/negotiate-protocol.js';
import { Router } from '../../lib/protocol/router.js';
import { BENCH_PROTO } from '../common/paths.js';
import { benchLogic, type BenchMessage } from './bench-logic.js';
import { announceReady } from './ready.js';

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  // The same options as triple-server.ts, resolved the way TripleServer resolves them.
  const resolved = resolveServerOptions({ url: `127.0.0.1:${port}`, protoPath: BENCH_PROTO, package: 'bench.v1', maxConcurrentStreams: 1000 });
  const protos = loadProtos({ protoPath: BENCH_PROTO, package: 'bench.v1' });
  const router = new Router(protos.methods);
  const unary = protos.methods.find((m) => m.name === 'Unary');
  if (!unary) throw new Error('bench.proto has no Unary method');
  router.register(unary, (input) => benchLogic.unary(input as BenchMessage));
  const options: ServerHandlerOptions = {
    readMaxBytes: resolved.readMaxBytes,
    writeMaxBytes: resolved.writeMaxBytes,
    maxBufferedBytes: resolved.maxBufferedBytes,
    maxMetadataSize: resolved.http.maxHeaderListSize,
    compressMinBytes: resolved.compressMinBytes,
    maxPendingMessages: resolved.maxPendingMessages,
    compressions: resolved.compressions,
    requireProtocolHeader: resolved.requireProtocolHeader,
    shutdownSignal: new AbortController().signal,
    mapError: (reason) => TripleError.from(reason, Code.UNKNOWN),
  };
  const http = new TripleHttpServer(resolved.http, createCallDispatcher(router, options));
  const bound = await http.listen();
  announceReady('triple-core', bound.port);
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
