/**
 * bench.v1.BenchService on nestjs-triple: a Nest microservice with TripleServer and a controller
 * using @TripleMethod / @TripleStreamMethod. Usage: node triple-server.js <port>.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { TripleMethod, TripleServer, TripleStreamMethod } from '../../lib/index.js';
import { BENCH_PROTO } from '../common/paths.js';
import { benchLogic, type BenchMessage } from './bench-logic.js';
import { announceReady } from './ready.js';

@Controller()
class BenchController {
  @TripleMethod('BenchService', 'Unary')
  unary(req: BenchMessage): BenchMessage {
    return benchLogic.unary(req);
  }

  @TripleMethod('BenchService', 'ServerStream')
  serverStream(req: BenchMessage): Observable<BenchMessage> {
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
    // h2load and the load client open a few connections in a burst; defaults are fine otherwise.
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
