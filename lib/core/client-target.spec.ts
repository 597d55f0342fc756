import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code } from './code.js';
import { parseClientTarget } from './client-target.js';

function ok(input: string) {
  const parsed = parseClientTarget(input);
  if ('error' in parsed) throw parsed.error;
  return parsed.value;
}

describe('parseClientTarget', () => {
  test('IPv4, IPv6 and host names', () => {
    assert.deepEqual(ok('127.0.0.1:50051'), { kind: 'ip', host: '127.0.0.1', port: 50051, authority: '127.0.0.1:50051' });
    assert.deepEqual(ok('[::1]:8080'), { kind: 'ip', host: '::1', port: 8080, authority: '[::1]:8080' });
    assert.deepEqual(ok('echo.internal:443'), { kind: 'host', host: 'echo.internal', port: 443, authority: 'echo.internal:443' });
  });

  test('dns:///name:port and dns:name:port resolve every address', () => {
    assert.deepEqual(ok('dns:///localhost:50051'), { kind: 'dns', host: 'localhost', port: 50051, authority: 'localhost:50051' });
    assert.equal(ok('dns:svc.local:1').kind, 'dns');
    // An IP literal needs no DNS, even with the scheme.
    assert.equal(ok('dns:///10.0.0.1:1').kind, 'ip');
  });

  test('rejects what would dial the wrong place', () => {
    for (const bad of ['localhost', 'localhost:', ':80', 'host:0', 'host:65536', 'host:12ab', '::1:80', '[127.0.0.1]:80', 'dns://8.8.8.8/x:1', 'a b:1', 'http://x:1']) {
      const parsed = parseClientTarget(bad);
      assert.ok('error' in parsed, bad);
      assert.equal(parsed.error.code, Code.INVALID_ARGUMENT);
    }
  });
});
