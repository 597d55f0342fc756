import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpcProtoLoader from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { loadProtos, type LoaderOptions } from './proto-loader.js';

// From dist/lib/core back to the repo root, so the spec works whatever the cwd.
const protoDir = fileURLToPath(new URL('../../../test/fixtures/proto/', import.meta.url));
const echoProto = join(protoDir, 'echo.proto');
const wktProto = join(protoDir, 'wkt.proto');
const includeDirs = [join(protoDir, 'include')];

function loadAll(packages?: string | string[]) {
  return loadProtos({ protoPath: [echoProto, wktProto], package: packages, loader: { includeDirs } });
}

describe('loadProtos', () => {
  it('describes every service and method of a file', () => {
    const protos = loadProtos({ protoPath: echoProto });
    assert.deepEqual(protos.services.map((s) => [s.name, s.shortName, s.package]), [
      ['echo.v1.EchoService', 'EchoService', 'echo.v1'],
      ['echo.v1.OtherService', 'OtherService', 'echo.v1'],
    ]);
    assert.deepEqual(protos.methods.map((m) => [m.path, m.kind, m.idempotency]), [
      ['/echo.v1.EchoService/Echo', 'unary', 'IDEMPOTENCY_UNKNOWN'],
      ['/echo.v1.EchoService/EchoServerStream', 'server_streaming', 'IDEMPOTENCY_UNKNOWN'],
      ['/echo.v1.EchoService/EchoClientStream', 'client_streaming', 'IDEMPOTENCY_UNKNOWN'],
      ['/echo.v1.EchoService/EchoBidi', 'bidi_streaming', 'IDEMPOTENCY_UNKNOWN'],
      ['/echo.v1.EchoService/Fail', 'unary', 'IDEMPOTENCY_UNKNOWN'],
      ['/echo.v1.EchoService/Slow', 'unary', 'IDEMPOTENCY_UNKNOWN'],
      ['/echo.v1.EchoService/Lookup', 'unary', 'NO_SIDE_EFFECTS'],
      ['/echo.v1.OtherService/Ping', 'unary', 'IDEMPOTENCY_UNKNOWN'],
    ]);
    const fail = protos.findMethod('/echo.v1.EchoService/Fail');
    assert.ok(fail);
    assert.equal(fail.service, 'echo.v1.EchoService');
    assert.equal(fail.serviceShortName, 'EchoService');
    assert.equal(fail.name, 'Fail');
    assert.equal(fail.inputType, 'echo.v1.FailRequest');
    assert.equal(fail.outputType, 'echo.v1.EchoResponse');
    assert.equal(protos.findMethod('/echo.v1.OtherService/Ping')?.inputType, 'google.protobuf.Empty');
    assert.equal(protos.findMethod('/echo.v1.EchoService/Nope'), undefined);
    assert.deepEqual(protos.findService('EchoService')?.methods, protos.methods.slice(0, 7));
  });

  it('reads idempotency_level next to custom options', () => {
    assert.equal(loadAll().findMethod('/wkt.v1.WktService/Get')?.idempotency, 'IDEMPOTENT');
  });

  it('builds codecs once per message type and shares them between methods', () => {
    const protos = loadProtos({ protoPath: echoProto });
    const echo = protos.findMethod('/echo.v1.EchoService/Echo')!;
    const lookup = protos.findMethod('/echo.v1.EchoService/Lookup')!;
    const bidi = protos.findMethod('/echo.v1.EchoService/EchoBidi')!;
    assert.equal(echo.input, lookup.input);
    assert.equal(echo.output, bidi.output);
    assert.notEqual(echo.input, echo.output);
    assert.equal(echo.input.proto.name, 'proto');
    assert.equal(echo.input.json.name, 'json');
    assert.deepEqual(echo.input.proto.decode(echo.input.proto.encode({ delayMs: 4 })), { delayMs: 4, tags: [] });
  });

  it('passes the conversion and keepCase options to the codecs', () => {
    const camel = loadProtos({ protoPath: echoProto }).findMethod('/echo.v1.EchoService/Echo')!.input.json;
    assert.deepEqual(camel.decode(new TextEncoder().encode('{"delay_ms":1,"big":"5"}')), { delayMs: 1, big: '5', tags: [] });
    const kept = loadProtos({ protoPath: echoProto, loader: { keepCase: true, longs: Number, enums: String, arrays: false } })
      .findMethod('/echo.v1.EchoService/Echo')!.input;
    assert.deepEqual(kept.json.decode(new TextEncoder().encode('{"delayMs":1,"big":"5","kind":1}')), { delay_ms: 1, big: 5, kind: 'KIND_A' });
    assert.deepEqual(kept.proto.decode(kept.proto.encode({ delay_ms: 2 })), { delay_ms: 2 });
  });

  it('reads and writes what @grpc/proto-loader does for the same loader config', () => {
    const value = {
      message: 'x', count: 3, payload: Buffer.from('ab'), big: '9007199254740993', kind: 'KIND_B',
      at: { seconds: '5', nanos: 6 }, tags: ['t'], delayMs: 1,
    };
    const configs: LoaderOptions[] = [
      { longs: String, enums: String, defaults: true, oneofs: true, arrays: true, objects: true },
      { keepCase: true, longs: Number, bytes: String, arrays: true, objects: true },
    ];
    for (const loader of configs) {
      const ours = loadProtos({ protoPath: echoProto, loader }).findMethod('/echo.v1.EchoService/Echo')!.input.proto;
      const theirs = (grpcProtoLoader.loadSync(echoProto, loader)['echo.v1.EchoService'] as ServiceDefinition).Echo;
      const input = loader.keepCase ? { ...value, delay_ms: 1, delayMs: undefined } : value;
      const bytes = theirs.requestSerialize(input);
      assert.deepEqual(Buffer.from(ours.encode(input)), bytes);
      assert.deepEqual(ours.decode(bytes), theirs.requestDeserialize(bytes));
    }
  });

  it('finds services by short or qualified name, never an ambiguous short one', () => {
    const protos = loadAll();
    assert.equal(protos.findService('echo.v1.EchoService')?.package, 'echo.v1');
    assert.equal(protos.findService('shared.v1.EchoService')?.package, 'shared.v1');
    assert.equal(protos.findService('EchoService'), undefined);
    assert.equal(protos.findService('WktService')?.name, 'wkt.v1.WktService');
    assert.equal(protos.findService('Nope'), undefined);
  });

  it('exposes only the requested packages and their sub-packages', () => {
    assert.deepEqual(loadAll().services.map((s) => s.name).sort(), [
      'echo.v1.EchoService', 'echo.v1.OtherService', 'shared.v1.EchoService', 'wkt.v1.WktService',
    ]);
    assert.deepEqual(loadAll('echo.v1').services.map((s) => s.name), ['echo.v1.EchoService', 'echo.v1.OtherService']);
    assert.deepEqual(loadAll('echo').services.map((s) => s.name), ['echo.v1.EchoService', 'echo.v1.OtherService']);
    const two = loadAll(['shared.v1', 'wkt.v1']);
    assert.deepEqual(two.services.map((s) => s.name), ['shared.v1.EchoService', 'wkt.v1.WktService']);
    assert.equal(two.findService('EchoService')?.name, 'shared.v1.EchoService');
    assert.equal(two.findMethod('/echo.v1.EchoService/Echo'), undefined);
    // Types outside the exposed packages stay reachable: messages may reference them.
    assert.equal(two.lookupType('echo.v1.EchoRequest').name, 'EchoRequest');
  });

  it('throws naming an unknown package, including names that are not packages', () => {
    for (const name of ['nope.v1', 'v1', 'echo.v1.EchoService', 'echo.v1.EchoRequest']) {
      assert.throws(() => loadAll(name), (error: Error) => error.message.includes(`"${name}"`));
    }
  });

  it('resolves imports relative to the file, through includeDirs and to google/protobuf', () => {
    const protos = loadAll();
    for (const name of ['Empty', 'Timestamp', 'Duration', 'Int64Value', 'Struct', 'Value', 'ListValue', 'Any', 'FieldMask', 'MethodOptions']) {
      assert.equal(protos.lookupType(`google.protobuf.${name}`).name, name);
    }
    assert.equal(protos.lookupType('.shared.v1.Note').name, 'Note');
    assert.throws(() => protos.lookupType('echo.v1.Nope'));
    // A relative protoPath is found through includeDirs too, as in @grpc/proto-loader.
    const relative = loadProtos({ protoPath: 'wkt.proto', loader: { includeDirs: [protoDir, ...includeDirs] } });
    assert.equal(relative.methods.length, 10);
  });

  it('throws naming a missing file or import', () => {
    const missing = join(protoDir, 'missing.proto');
    assert.throws(() => loadProtos({ protoPath: missing }), (error: Error) => error.message.includes('missing.proto'));
    assert.throws(() => loadProtos({ protoPath: 'missing.proto', loader: { includeDirs } }), /missing\.proto/);
    assert.throws(() => loadProtos({ protoPath: wktProto }), (error: Error) =>
      error.message.includes('shared/note.proto') && error.message.includes('wkt.proto'));
  });

  it('throws naming a file with a syntax error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proto-loader-'));
    try {
      const broken = join(dir, 'broken.proto');
      writeFileSync(broken, 'syntax = "proto3";\npackage b;\nmessage M { string = 1; }\n');
      assert.throws(() => loadProtos({ protoPath: broken }), (error: Error) => error.message.includes('broken.proto'));
      const importer = join(dir, 'importer.proto');
      writeFileSync(importer, 'syntax = "proto3";\nimport "broken.proto";\n');
      assert.throws(() => loadProtos({ protoPath: importer }), (error: Error) => error.message.includes('broken.proto'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
