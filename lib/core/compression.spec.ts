import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from './code.js';
import { acceptEncodingHeader, negotiateCompression, type Compression } from './compression.js';

function fake(name: string): Compression {
  return { name, compress: async (d) => d, decompress: async (d) => d };
}
const gzip = fake('gzip');
const deflate = fake('deflate');
const available = [gzip, deflate];

describe('negotiateCompression', () => {
  it('uses no compression when the peer says nothing', () => {
    const result = negotiateCompression(available, undefined, undefined);
    assert.equal(result.request, null);
    assert.equal(result.response, null);
    assert.equal(result.error, undefined);
  });

  it('treats identity and empty as uncompressed requests', () => {
    assert.equal(negotiateCompression(available, 'identity', undefined).request, null);
    assert.equal(negotiateCompression(available, '', undefined).request, null);
    assert.equal(negotiateCompression(available, 'identity', undefined).error, undefined);
  });

  it('finds the request compression case-insensitively', () => {
    assert.equal(negotiateCompression(available, 'gzip', undefined).request, gzip);
    assert.equal(negotiateCompression(available, 'Deflate', undefined).request, deflate);
  });

  it('rejects an unknown request compression with UNIMPLEMENTED and the supported list', () => {
    const result = negotiateCompression(available, 'zstd', 'gzip');
    assert.equal(result.error?.code, Code.UNIMPLEMENTED);
    assert.equal(result.error?.rawMessage, 'unknown compression "zstd": supported encodings are gzip,deflate');
    assert.equal(result.request, null);
    assert.equal(result.response, null);
  });

  it('rejects any compression when none is configured', () => {
    const result = negotiateCompression([], 'gzip', undefined);
    assert.equal(result.error?.code, Code.UNIMPLEMENTED);
    assert.equal(result.error?.rawMessage, 'unknown compression "gzip": supported encodings are identity');
  });

  it('picks the first supported accepted encoding, in the peer order', () => {
    assert.equal(negotiateCompression(available, undefined, 'deflate,gzip').response, deflate);
    assert.equal(negotiateCompression(available, undefined, 'br, zstd ,gzip').response, gzip);
    assert.equal(negotiateCompression(available, 'gzip', 'deflate').response, deflate);
  });

  it('ignores q-values and surrounding spaces', () => {
    assert.equal(negotiateCompression(available, undefined, ' br;q=1.0 , gzip;q=0.5').response, gzip);
  });

  it('stops at identity listed before any supported encoding', () => {
    assert.equal(negotiateCompression(available, undefined, 'identity,gzip').response, null);
  });

  it('answers uncompressed when nothing accepted is supported', () => {
    const result = negotiateCompression(available, 'gzip', 'br,snappy');
    assert.equal(result.request, gzip);
    assert.equal(result.response, null);
  });
});

describe('acceptEncodingHeader', () => {
  it('joins names without spaces', () => {
    assert.equal(acceptEncodingHeader(available), 'gzip,deflate');
    assert.equal(acceptEncodingHeader([deflate]), 'deflate');
  });

  it('advertises identity when nothing is configured', () => {
    assert.equal(acceptEncodingHeader([]), 'identity');
  });
});
