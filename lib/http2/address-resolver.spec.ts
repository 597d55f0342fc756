import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseClientTarget, type ClientTarget } from '../core/client-target.js';
import { Code } from '../core/code.js';
import { AddressResolver } from './address-resolver.js';

function target(url: string): ClientTarget {
  const parsed = parseClientTarget(url);
  if ('error' in parsed) throw parsed.error;
  return parsed.value;
}

describe('AddressResolver', () => {
  test('dns:/// expands to every address; IP and host targets stay one endpoint; duplicates collapse', async () => {
    const lookup = async (name: string) => (name === 'svc' ? [{ address: '10.0.0.1', family: 4 }, { address: 'fe80::1', family: 6 }, { address: '10.0.0.1', family: 4 }] : []);
    const resolver = new AddressResolver([target('dns:///svc:9000'), target('127.0.0.1:1'), target('other:2')], undefined, lookup);
    assert.equal(resolver.hasDnsTargets, true);
    const { endpoints, error } = await resolver.resolve();
    assert.equal(error, undefined);
    assert.deepEqual(endpoints.map((e) => e.key), ['10.0.0.1:9000', '[fe80::1]:9000', '127.0.0.1:1', 'other:2']);
    assert.equal(endpoints[0]!.authority, 'svc:9000', 'the authority stays the name the user gave');
  });

  test('SNI uses the target name (not the resolved IP) unless overridden', async () => {
    const lookup = async () => [{ address: '10.0.0.1', family: 4 }];
    const { endpoints } = await new AddressResolver([target('dns:///api.example:443'), target('10.1.1.1:443')], {}, lookup).resolve();
    assert.equal(endpoints[0]!.servername, 'api.example');
    assert.equal(endpoints[1]!.servername, undefined);
    const { endpoints: overridden } = await new AddressResolver([target('10.1.1.1:443')], { servername: 'x.test' }, lookup).resolve();
    assert.equal(overridden[0]!.servername, 'x.test');
  });

  test('a failed lookup is UNAVAILABLE, other targets still resolve', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const { endpoints, error } = await new AddressResolver([target('dns:///nope:1'), target('127.0.0.1:2')], undefined, lookup).resolve();
    assert.deepEqual(endpoints.map((e) => e.key), ['127.0.0.1:2']);
    assert.equal(error?.code, Code.UNAVAILABLE);
    assert.match(error!.rawMessage, /ENOTFOUND/);
  });
});
