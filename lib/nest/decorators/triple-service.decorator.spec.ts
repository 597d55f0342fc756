import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TripleMethod } from './triple-method.decorator.js';
import { getTripleServiceOptions, TripleService } from './triple-service.decorator.js';

const PATTERN = 'microservices:pattern';
const EXTRAS = 'microservices:pattern_extras';
const CONTROLLER = '__controller__';

@TripleService('hero.v1.HeroService')
class ByName {
  @TripleMethod()
  findOne(): void {}
}

@TripleService({ group: 'blue', version: '1' })
class ByOptions {
  @TripleMethod()
  findOne(): void {}

  @TripleMethod('Named', { version: '2' })
  named(): void {}
}

@TripleService()
class Base {
  @TripleMethod()
  inherited(): void {}
}

@TripleService({ name: 'sub.Service', group: 'sub' })
class Sub extends Base {
  @TripleMethod()
  own(): void {}
}

describe('TripleService', () => {
  test('is a Nest controller and records its options', () => {
    assert.equal(Reflect.getMetadata(CONTROLLER, ByName), true);
    assert.deepEqual(getTripleServiceOptions(ByName), { name: 'hero.v1.HeroService' });
    assert.deepEqual(getTripleServiceOptions(ByOptions), { group: 'blue', version: '1' });
  });

  test('a name replaces the class-name default', () => {
    assert.deepEqual(Reflect.getMetadata(PATTERN, ByName.prototype.findOne), [{ service: 'hero.v1.HeroService', rpc: 'FindOne', streaming: 'no_stream' }]);
  });

  test('group/version become extras defaults; explicit values win', () => {
    assert.deepEqual(Reflect.getMetadata(PATTERN, ByOptions.prototype.findOne), [{ service: 'ByOptions', rpc: 'FindOne', streaming: 'no_stream' }]);
    assert.deepEqual(Reflect.getMetadata(EXTRAS, ByOptions.prototype.findOne), { group: 'blue', version: '1' });
    assert.deepEqual(Reflect.getMetadata(PATTERN, ByOptions.prototype.named), [{ service: 'Named', rpc: 'Named', streaming: 'no_stream' }]);
    assert.deepEqual(Reflect.getMetadata(EXTRAS, ByOptions.prototype.named), { group: 'blue', version: '2' });
  });

  test("only the class's own handlers take its defaults; inherited ones keep the base's", () => {
    assert.deepEqual(Reflect.getMetadata(PATTERN, Sub.prototype.own), [{ service: 'sub.Service', rpc: 'Own', streaming: 'no_stream' }]);
    assert.deepEqual(Reflect.getMetadata(EXTRAS, Sub.prototype.own), { group: 'sub' });
    assert.deepEqual(Reflect.getMetadata(PATTERN, Base.prototype.inherited), [{ service: 'Base', rpc: 'Inherited', streaming: 'no_stream' }]);
    assert.deepEqual(Reflect.getMetadata(EXTRAS, Base.prototype.inherited), {});
  });
});
