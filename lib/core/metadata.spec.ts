import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code } from './code.js';
import { Metadata } from './metadata.js';
import { TripleError } from './triple-error.js';

const reserved = new Set(['content-type', 'grpc-status-details-bin']);

describe('Metadata', () => {
  test('fromHeaders without -bin values reads the headers when first used, with the same result', () => {
    const headers = { ':path': '/a/B', 'content-type': 'application/grpc', 'x-a': '1', 'x-b': ['2', '3'] };
    const md = Metadata.fromHeaders(headers, reserved);
    assert.equal(md.size, 2);
    assert.deepEqual(md.keys(), ['x-a', 'x-b']);
    assert.deepEqual(md.getAll('x-b'), ['2', '3']);
    assert.deepEqual(md.toJSON(), { 'x-a': '1', 'x-b': ['2', '3'] });
  });

  test('a write to lazily read metadata keeps the headers', () => {
    const md = Metadata.fromHeaders({ 'x-a': '1' }, reserved);
    md.add('x-a', '2').set('x-c', '3');
    assert.deepEqual(md.toJSON(), { 'x-a': ['1', '2'], 'x-c': '3' });
  });

  test('a malformed -bin value fails fromHeaders itself; reserved -bin names are never read', () => {
    assert.throws(
      () => Metadata.fromHeaders({ 'x-a': '1', 'x-data-bin': '!!not base64!!' }, reserved),
      (e: unknown) => e instanceof TripleError && e.code === Code.INVALID_ARGUMENT,
    );
    const md = Metadata.fromHeaders({ 'x-a': '1', 'grpc-status-details-bin': '!!not base64!!' }, reserved);
    assert.deepEqual(md.keys(), ['x-a']);
  });

  test('the raw field list, when given, is what is scanned for -bin names (any case)', () => {
    const headers = { 'x-a': '1', 'x-data-bin': '!!not base64!!' };
    assert.throws(() => Metadata.fromHeaders(headers, reserved, '', ['X-A', '1', 'X-Data-Bin', '!!not base64!!']), TripleError);
    assert.doesNotThrow(() => Metadata.fromHeaders({ 'x-a': '1' }, reserved, '', ['x-a', '1', 'grpc-status-details-bin', '!!']));
  });

  test('with a prefix, only prefixed names count, without the prefix', () => {
    const md = Metadata.fromHeaders({ 'trailer-x-a': '1', 'x-b': '2', 'trailer-x-c-bin': Buffer.from('hi').toString('base64') }, reserved, 'trailer-');
    assert.deepEqual(md.keys(), ['x-a', 'x-c-bin']);
    assert.deepEqual(md.get('x-c-bin'), Buffer.from('hi'));
  });

  test('empty metadata writes nothing and reads as empty', () => {
    const md = new Metadata();
    assert.equal(md.size, 0);
    assert.equal(md.get('x'), undefined);
    assert.equal(md.has('x'), false);
    assert.deepEqual([...md.entries()], []);
    assert.deepEqual(md.writeTo({ a: '1' }), { a: '1' });
  });
});
