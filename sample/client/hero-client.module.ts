import { Module } from '@nestjs/common';
import { TripleClientsModule } from '../../lib/index.js';
import { HERO_PROTO } from '../server/triple-server.options.js';
import { HeroCaller } from './hero-caller.js';

export const HERO_CLIENT = 'HERO';

/** A Nest module that injects a TripleClient for hero.v1 and uses it from a provider. */
@Module({
  imports: [
    TripleClientsModule.registerAsync([
      {
        name: HERO_CLIENT,
        useFactory: () => ({
          url: process.env.HERO_URL ?? '127.0.0.1:50051',
          package: 'hero.v1',
          protoPath: HERO_PROTO,
          timeout: 5_000,
          loader: { longs: String, enums: String, defaults: true },
        }),
      },
    ]),
  ],
  providers: [HeroCaller],
  exports: [HeroCaller],
})
export class HeroClientModule {}
