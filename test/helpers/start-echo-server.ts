import 'reflect-metadata';
import { Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { TripleServer, type TripleServerOptions } from '../../lib/index.js';
import { EchoController } from '../fixtures/echo.controller.js';

export const ECHO_PROTO = join(process.cwd(), 'test/fixtures/proto/echo.proto');

export interface RunningServer {
  app: INestMicroservice;
  server: TripleServer;
  /** `127.0.0.1:<port>` */
  address: string;
  close(): Promise<void>;
}

/** Boots a real Nest microservice on TripleServer, on a free port of 127.0.0.1. */
export async function startEchoServer(
  options: Partial<TripleServerOptions> = {},
  controllers: Type[] = [EchoController],
  providers: Type[] = [],
): Promise<RunningServer> {
  @Module({ controllers, providers })
  class EchoModule {}
  const server = new TripleServer({ url: '127.0.0.1:0', protoPath: ECHO_PROTO, package: 'echo.v1', ...options });
  const app = await NestFactory.createMicroservice(EchoModule, { strategy: server, logger: ['error'] });
  await app.listen();
  return { app, server, address: server.url!, close: () => app.close() };
}
