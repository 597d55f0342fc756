import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { TripleServer } from '../../lib/index.js';
import { AppModule } from './app.module.js';
import { tripleServerOptions } from './triple-server.options.js';

/** Starts the hero server and returns it; `node dist/sample/server/main.js` runs it until Ctrl-C. */
export async function startHeroServer(url?: string) {
  const server = new TripleServer(tripleServerOptions(url));
  const app = await NestFactory.createMicroservice(AppModule, { strategy: server, logger: ['error', 'warn', 'log'] });
  await app.listen();
  return { app, server };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startHeroServer().then(({ app, server }) => {
    console.log(`hero server listening on ${server.url} (gRPC and Triple)`);
    const stop = () => void app.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}
