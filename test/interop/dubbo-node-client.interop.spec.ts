import assert from 'node:assert/strict';
import { createPromiseClient, decodeBinaryHeader, DubboError, encodeBinaryHeader, type Transport } from '@apachedubbo/dubbo';
import { compressionGzip, createDubboTransport, createGrpcTransport } from '@apachedubbo/dubbo-node';
import { esClientCases, type EsClientCtx } from './clients/es-client-cases.js';
import { DUBBO_GROUP, DUBBO_VERSION, Status } from './harness/interop-data.js';
import type { CaseId } from './harness/matrix.js';
import { describeInterop, type CaseFn } from './harness/suite.js';
import { startWireTap } from './harness/wire-tap.js';
import { TestServiceType, UnimplementedServiceType } from './peers/bufbuild-types.js';
import { nestObserver, nestVersionedObserver, startNestTestService, type RunningNestTestService } from './servers/nest-test-service.js';

/**
 * @apachedubbo/dubbo-node 3.0.0-alpha clients (dubbo-js) against TripleServer serving
 * grpc.testing.TestService: its Triple transport (unary; JSON over HTTP/1.1, binary over h2c)
 * and its gRPC transport (all call kinds). test/interop/dubbo-node.interop.spec.ts covers more
 * Triple details with the echo service; this file runs the interop cases for the table.
 */
interface DubboClientCtx extends EsClientCtx {
  /** Clients bound to the group/version of the second TestService registration, and to an unknown version. */
  versionedClient: any;
  wrongVersionClient: any;
}

/** dubbo-js' typings reach @bufbuild/protobuf's CJS types (dual-package hazard); runtime is one module. */
const createClient = createPromiseClient as unknown as (service: unknown, transport: Transport, options?: { serviceGroup?: string; serviceVersion?: string }) => any;

const lib = { toError: (e: unknown) => DubboError.from(e), encodeBinaryHeader, decodeBinaryHeader };

const groupVersionCase: CaseFn<DubboClientCtx> = async ({ versionedClient, wrongVersionClient, client, lib: l }) => {
  nestObserver.reset();
  nestVersionedObserver.reset();
  const response = await versionedClient.unaryCall({ responseSize: 10 });
  assert.equal(response.payload?.body?.length, 10);
  assert.equal(nestVersionedObserver.calls.length, 1, 'the call with group/version reached the handler registered for them');
  assert.equal(nestObserver.calls.length, 0);
  await client.emptyCall({});
  assert.equal(nestObserver.calls.length, 1, 'the call without group/version reached the plain handler');
  // An unknown version never reaches the versioned handler: TripleServer falls back to the
  // unversioned registration of the method, as its routing documents.
  const wrong = await wrongVersionClient.emptyCall({}).then(
    () => undefined,
    (e: unknown) => l.toError(e),
  );
  assert.equal(nestVersionedObserver.calls.length, 1, 'an unknown version does not reach the versioned handler');
  assert.ok(wrong === undefined ? nestObserver.calls.length === 2 : wrong.code === Status.UNIMPLEMENTED, 'served by the plain handler, or UNIMPLEMENTED');
};

function suite(id: string, makeTransport: (baseUrl: string, gzip: boolean) => Transport, wire: 'grpc' | 'triple', expectVia: EsClientCtx['expectVia']): void {
  let server: RunningNestTestService | undefined;
  // dubbo_group_version runs only where the matrix declares it: dubbo-js' gRPC transport sends no
  // tri-service-group / tri-service-version (only its Triple transport does).
  const cases: Partial<Record<CaseId, CaseFn<DubboClientCtx>>> = { ...esClientCases, ...(wire === 'triple' ? { dubbo_group_version: groupVersionCase } : {}) };
  describeInterop<DubboClientCtx>(id, {
    async setup() {
      server = await startNestTestService();
      const tap = await startWireTap({ host: server.host, port: server.port });
      const baseUrl = `http://${tap.address}`;
      const transport = makeTransport(baseUrl, false);
      return {
        tap,
        observer: nestObserver,
        client: createClient(TestServiceType, transport),
        gzipClient: createClient(TestServiceType, makeTransport(baseUrl, true)),
        unimplemented: createClient(UnimplementedServiceType, transport),
        versionedClient: createClient(TestServiceType, transport, { serviceGroup: DUBBO_GROUP, serviceVersion: DUBBO_VERSION }),
        wrongVersionClient: createClient(TestServiceType, transport, { serviceGroup: DUBBO_GROUP, serviceVersion: '9.9.9' }),
        lib,
        wire,
        expectVia,
      };
    },
    async teardown(ctx) {
      await ctx?.tap.close();
      await server?.close();
    },
    cases,
  });
}

suite(
  'dubbo-node-client-triple-json-h1',
  (baseUrl, gzip) => createDubboTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false, ...(gzip ? { sendCompression: compressionGzip } : {}) }),
  'triple',
  { protocol: 'triple', httpVersion: '1.1', codec: 'json' },
);
suite(
  'dubbo-node-client-triple-proto-h2c',
  (baseUrl, gzip) => createDubboTransport({ baseUrl, httpVersion: '2', useBinaryFormat: true, ...(gzip ? { sendCompression: compressionGzip } : {}) }),
  'triple',
  { protocol: 'triple', httpVersion: '2', codec: 'proto' },
);
suite(
  'dubbo-node-client-grpc',
  (baseUrl, gzip) => createGrpcTransport({ baseUrl, httpVersion: '2', ...(gzip ? { sendCompression: compressionGzip } : {}) }),
  'grpc',
  { protocol: 'grpc', httpVersion: '2', codec: 'proto' },
);
