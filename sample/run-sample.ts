import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { HeroCaller } from './client/hero-caller.js';
import { HeroClientModule } from './client/hero-client.module.js';
import { startHeroServer } from './server/main.js';

/**
 * The sample end to end, in one process: starts the hero server (TripleServer) on a free port,
 * then a Nest app with a TripleClient that calls one method of each kind and prints the answers.
 */
async function main(): Promise<void> {
  const { app: serverApp, server } = await startHeroServer(process.env.HERO_URL ?? '127.0.0.1:0');
  process.env.HERO_URL = server.url;
  console.log(`server: listening on ${server.url} (gRPC + Triple on one port)`);
  const clientApp = await NestFactory.createApplicationContext(HeroClientModule, { logger: ['error', 'warn'] });
  try {
    const caller = clientApp.get(HeroCaller);
    console.log('unary         FindOne(1)        ->', JSON.stringify(await caller.findOne(1)));
    console.log('server-stream ListHeroes("J")   ->', JSON.stringify(await caller.listHeroes('J')));
    console.log('client-stream AddHeroes(2)      ->', JSON.stringify(await caller.addHeroes()));
    console.log('bidi          Chat(2 lines)     ->', JSON.stringify(await caller.chat(['hello', 'bye'])));
    const missing = await caller.findOne(99).catch((e: { code?: number; message?: string }) => `error code ${e.code}: ${e.message}`);
    console.log('unary         FindOne(99)       ->', missing);
    console.log(`try it with curl: curl -sS -H 'content-type: application/json' -d '{"id":1}' http://${server.url}/hero.v1.HeroService/FindOne`);
  } finally {
    await clientApp.close();
    await serverApp.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
