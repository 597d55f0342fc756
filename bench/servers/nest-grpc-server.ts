/**
 * bench.v1.BenchService on Nest's built-in gRPC transport (@nestjs/microservices + @grpc/grpc-js),
 * the same handlers as triple-server.ts under @GrpcMethod / @GrpcStreamMethod.
 * Usage: node nest-grpc-server.js <port>.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, GrpcStreamMethod, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { BENCH_PROTO } from '../common/paths.js';
import { benchLogic, type BenchMessage } from './bench-logic.js';
import { announceReady } from './ready.js';

@Controller()
class BenchController {
  @GrpcMethod('BenchService', 'Unary')
  unary(req: BenchMessage): BenchMessage {
    return benchLogic.unary(req);
  }

  @GrpcMethod('BenchService', 'ServerStream')
  serverStream(req: BenchMessage): Observable<BenchMessage> {
    return benchLogic.serverStream(req);
  }

  @GrpcStreamMethod('BenchService', 'ClientStream')
  clientStream(requests: Observable<BenchMessage>): Observable<BenchMessage> {
    return benchLogic.clientStream(requests);
  }

  @GrpcStreamMethod('BenchService', 'Bidi')
  bidi(requests: Observable<BenchMessage>): Observable<BenchMessage> {
    return benchLogic.bidi(requests);
  }
}

@Module({ controllers: [BenchController] })
class BenchModule {}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchModule, {
    transport: Transport.GRPC,
    options: { url: `127.0.0.1:${port}`, package: 'bench.v1', protoPath: BENCH_PROTO },
    logger: ['error'],
  });
  await app.listen();
  announceReady('nest-grpc', port);
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
