import { Inject, Injectable } from '@nestjs/common';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import type { TripleClient } from '../../lib/index.js';
import type { HeroServiceClient } from '../server/hero/hero.interfaces.js';

/** Calls each kind of HeroService method through the injected TripleClient. */
@Injectable()
export class HeroCaller {
  private readonly heroes: HeroServiceClient;

  constructor(@Inject('HERO') client: TripleClient) {
    this.heroes = client.getService<HeroServiceClient>('HeroService');
  }

  findOne(id: number) {
    return firstValueFrom(this.heroes.findOne({ id }));
  }

  listHeroes(namePrefix: string) {
    return lastValueFrom(this.heroes.listHeroes({ namePrefix }).pipe(toArray()));
  }

  addHeroes() {
    const newHeroes = [
      { id: 10, name: 'Ada', power: 5 },
      { id: 11, name: 'Linus', power: 6 },
    ];
    return lastValueFrom(this.heroes.addHeroes(from(newHeroes)));
  }

  chat(lines: string[]) {
    return lastValueFrom(this.heroes.chat(from(lines.map((text) => ({ from: 'client', text })))).pipe(toArray()));
  }
}
