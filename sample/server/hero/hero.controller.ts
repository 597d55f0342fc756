import { Controller } from '@nestjs/common';
import { map, Observable, reduce } from 'rxjs';
import { Code, TripleContext, TripleException, TripleMethod, TripleStreamMethod } from '../../../lib/index.js';
import type { AddHeroesResponse, ChatMessage, Hero, HeroById, ListHeroesRequest } from './hero.interfaces.js';

const heroes: Hero[] = [
  { id: 1, name: 'John', power: 10 },
  { id: 2, name: 'Doe', power: 7 },
  { id: 3, name: 'Jane', power: 12 },
];

/** Implements hero.v1.HeroService: one handler per call kind. */
@Controller()
export class HeroController {
  @TripleMethod('HeroService', 'FindOne')
  findOne(data: HeroById, ctx: TripleContext): Hero {
    const hero = heroes.find(({ id }) => id === data.id);
    if (!hero) throw new TripleException(Code.NOT_FOUND, `hero ${data.id} not found`);
    ctx.setHeader('x-hero-source', 'memory');
    return hero;
  }

  /** An async generator: the next hero is produced only when the client has read the last one. */
  @TripleMethod('HeroService', 'ListHeroes')
  async *listHeroes(data: ListHeroesRequest, ctx: TripleContext): AsyncGenerator<Hero> {
    for (const hero of heroes) {
      if (ctx.signal.aborted) return;
      if (hero.name.startsWith(data.namePrefix ?? '')) yield hero;
    }
  }

  @TripleStreamMethod('HeroService', 'AddHeroes')
  addHeroes(heroes$: Observable<Hero>): Observable<AddHeroesResponse> {
    return heroes$.pipe(reduce((acc, hero) => ({ added: acc.added + 1, totalPower: acc.totalPower + (hero.power ?? 0) }), { added: 0, totalPower: 0 }));
  }

  @TripleStreamMethod('HeroService', 'Chat')
  chat(messages$: Observable<ChatMessage>): Observable<ChatMessage> {
    return messages$.pipe(map((m) => ({ from: 'server', text: `you said "${m.text}"` })));
  }
}
