import type { Observable } from 'rxjs';

export interface HeroById {
  id: number;
}

export interface Hero {
  id: number;
  name: string;
  power: number;
}

export interface ListHeroesRequest {
  namePrefix?: string;
}

export interface AddHeroesResponse {
  added: number;
  totalPower: number;
}

export interface ChatMessage {
  from: string;
  text: string;
}

/** The client-side view of HeroService: every method returns a cold Observable. */
export interface HeroServiceClient {
  findOne(request: HeroById, options?: object): Observable<Hero>;
  listHeroes(request: ListHeroesRequest, options?: object): Observable<Hero>;
  addHeroes(requests: Observable<Hero> | AsyncIterable<Hero>, options?: object): Observable<AddHeroesResponse>;
  chat(requests: Observable<ChatMessage> | AsyncIterable<ChatMessage>, options?: object): Observable<ChatMessage>;
}
