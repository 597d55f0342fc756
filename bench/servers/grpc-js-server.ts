/**
 * Diagnostic, not a compared server: bench.v1.BenchService on plain @grpc/grpc-js (no Nest), the
 * library under Nest's gRPC transport, loaded with @grpc/proto-loader as Nest loads it. Its unary
 * CPU per call, next to nest-grpc-server's, tells what Nest's per-call pipeline costs there.
 * Unary only. Usage: node grpc-js-server.js <port>.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { BENCH_PROTO } from '../common/paths.js';
import { benchLogic, type BenchMessage } from './bench-logic.js';
import { announceReady } from './ready.js';

interface ServiceDefinitionHolder {
  bench: { v1: { BenchService: { service: grpc.ServiceDefinition } } };
}

function main(): void {
  const port = Number(process.argv[2] ?? 0);
  const definition = protoLoader.loadSync(BENCH_PROTO) // Nest's default: no loader options;
  const pkg = grpc.loadPackageDefinition(definition) as unknown as ServiceDefinitionHolder;
  const server = new grpc.Server();
  server.addService(pkg.bench.v1.BenchService.service, {
    Unary: (call: grpc.ServerUnaryCall<BenchMessage, BenchMessage>, callback: grpc.sendUnaryData<BenchMessage>) => callback(null, benchLogic.unary(call.request)),
  });
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    announceReady('grpc-js', bound);
  });
  process.on('SIGTERM', () => process.exit(0));
}

main();
