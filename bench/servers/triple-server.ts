/**
 * bench.v1.BenchService on nestjs-triple: a Nest microservice with TripleServer and a controller
 * using @TripleMethod / @TripleStreamMethod. Usage: node triple-server.js <port>.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { TripleContext, TripleMethod, TripleServer, TripleStreamMethod } from '../../lib/index.js';
import { BENCH_PROTO, HANDLER_HEADER } from '../common/paths.js';
import { benchLogic, type BenchMessage } from './bench-logic.js';
import { announceReady } from './ready.js';

@Controller()
class BenchController {
  @TripleMethod('BenchService', 'Unary')
  unary(req: BenchMessage): BenchMessage {
    return benchLogic.unary(req);
  }

  @TripleMethod('BenchService', 'ServerStream')
  serverStream(req: BenchMessage, ctx: TripleContext): Observable<BenchMessage> | AsyncIterable<BenchMessage> {
    // The load client asks for the pull-based (async generator) form with this header; the
    // default is the Observable, the same handler code as the Nest gRPC server's.
    if (ctx.metadata.get(HANDLER_HEADER) === 'iterable') return benchLogic.serverStreamIterable(req);
    return benchLogic.serverStream(req);
  }

  @TripleStreamMethod('BenchService', 'ClientStream')
  clientStream(requests: Observable<BenchMessage>): Observable<BenchMessage> {
    return benchLogic.clientStream(requests);
  }

  @TripleStreamMethod('BenchService', 'Bidi')
  bidi(requests: Observable<BenchMessage>): Observable<BenchMessage> {
    return benchLogic.bidi(requests);
  }
}

@Module({ controllers: [BenchController] })
class BenchModule {}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  const server = new TripleServer({
    url: `127.0.0.1:${port}`,
    protoPath: BENCH_PROTO,
    package: 'bench.v1',
    // The 10,000-open-streams figure uses 20 connections x 500 streams.
    maxConcurrentStreams: 1000,
    gracefulShutdownTimeout: 0,
  });
  const app = await NestFactory.createMicroservice(BenchModule, { strategy: server, logger: ['error'] });
  await app.listen();
  announceReady('triple', server.address!.port);
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
