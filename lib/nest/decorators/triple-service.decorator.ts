import { Controller } from '@nestjs/common';
import { TRIPLE_METHOD_METADATA, TRIPLE_SERVICE_METADATA } from '../constants.js';
import { applyTriplePattern, type TripleMethodMetadata, type TripleServiceDefaults } from './triple-method.decorator.js';

/** Options of {@link TripleService}. */
export interface TripleServiceOptions {
  /** Proto service name for every handler of the class that names none. Default: the class name. */
  name?: string;
  /** Dubbo group for every handler that sets none. */
  group?: string;
  /** Dubbo version for every handler that sets none. */
  version?: string;
}

/**
 * Class decorator for a controller implementing one Triple service: Nest's `@Controller()`
 * (as `@GrpcService` is) plus class-level defaults - the service name, Dubbo group and version -
 * for its `@TripleMethod`/`@TripleStreamMethod` handlers. Values a handler's decorator sets
 * explicitly win. Forms: `@TripleService()`, `@TripleService('hero.v1.HeroService')`,
 * `@TripleService({ name, group, version })`.
 *
 * Class decorators run after method decorators, so this one rewrites the pattern and extras
 * of each handler the class itself declares (Nest reads both only when the app boots). It does
 * not touch handlers inherited from a base class: their function objects are shared with the
 * base, which keeps its own defaults; decorate such a handler again in the subclass to change it.
 */
export function TripleService(nameOrOptions?: string | TripleServiceOptions): ClassDecorator {
  const options: TripleServiceDefaults =
    typeof nameOrOptions === 'string' ? { name: nameOrOptions } : { name: nameOrOptions?.name, group: nameOrOptions?.group, version: nameOrOptions?.version };
  for (const k of ['name', 'group', 'version'] as const) if (options[k] === undefined || options[k] === '') delete options[k];
  return (target: Function) => {
    Controller()(target);
    Reflect.defineMetadata(TRIPLE_SERVICE_METADATA, options, target);
    const prototype = target.prototype as object;
    for (const key of Reflect.ownKeys(prototype)) {
      if (key === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if (typeof descriptor?.value !== 'function') continue;
      const record: TripleMethodMetadata | undefined = Reflect.getOwnMetadata(TRIPLE_METHOD_METADATA, descriptor.value);
      if (record) applyTriplePattern(prototype, key, descriptor, record, target.name, options);
    }
  };
}

/** The class-level defaults `@TripleService` recorded on a controller class, if any. */
export function getTripleServiceOptions(target: Function): TripleServiceOptions | undefined {
  return Reflect.getMetadata(TRIPLE_SERVICE_METADATA, target);
}
