import assert from 'node:assert/strict';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { TripleClientOptions } from '../../lib/index.js';
import { startTripleClients, stopTripleClients, tripleClientCases, type TripleCaseCtx } from './clients/triple-client-cases.js';
import { DUBBO_GROUP, DUBBO_VERSION, Status } from './harness/interop-data.js';
import type { CaseId } from './harness/matrix.js';
import type { ServerObserver } from './harness/observer.js';
import { describeInterop, type CaseFn } from './harness/suite.js';
import { startDubboTestService, type RunningDubboTestService } from './servers/dubbo-node-test-service.js';

/**
 * TripleClient against a TestService on @apachedubbo/dubbo-node 3.0.0-alpha, the Dubbo
 * reference implementation for Node: Triple unary in JSON over h2c and in binary proto over
 * HTTP/1.1, and gRPC (all four call kinds) over h2c; each with Dubbo group/version routing.
 */
interface DubboCtx extends TripleCaseCtx {
  versioned: ServerObserver;
}

/** The shared cases, plus: the dubbo server saw the content type this peer column claims. */
function cases(contentType: RegExp): Partial<Record<CaseId, CaseFn<DubboCtx>>> {
  return {
    ...tripleClientCases,
    async empty_unary(ctx, t) {
      ctx.observer.reset();
      await tripleClientCases.empty_unary!(ctx, t);
      assert.match(ctx.observer.last('EmptyCall')?.via?.contentType ?? '', contentType, 'content type the dubbo-node server saw');
    },
    async dubbo_group_version(ctx) {
      const { stub, observer, versioned, callOptions } = ctx;
      observer.reset();
      versioned.reset();
      const response = await lastValueFrom(stub.unaryCall({ responseSize: 10 }, { ...callOptions, group: DUBBO_GROUP, version: DUBBO_VERSION }));
      assert.equal(response.payload?.body?.length, 10);
      assert.equal(versioned.calls.length, 1, 'the call with group/version reached the registration under that group/version');
      assert.equal(observer.calls.length, 0);
      await firstValueFrom(stub.emptyCall({}, callOptions));
      assert.equal(observer.calls.length, 1, 'the call without group/version reached the plain registration');
      assert.equal(versioned.calls.length, 1);
      const wrong = await lastValueFrom(stub.emptyCall({}, { ...callOptions, group: DUBBO_GROUP, version: '9.9.9' })).then(
        () => undefined,
        (e: { code: number }) => e,
      );
      assert.equal(wrong?.code, Status.UNIMPLEMENTED, 'an unknown version is not served');
    },
  };
}

function suite(id: string, port: (dubbo: RunningDubboTestService) => number, clientOptions: Partial<TripleClientOptions>, wire: 'grpc' | 'triple', contentType: RegExp): void {
  let dubbo: RunningDubboTestService | undefined;
  describeInterop<DubboCtx>(id, {
    async setup() {
      dubbo = await startDubboTestService();
      const ctx = await startTripleClients({
        host: dubbo.host,
        port: port(dubbo),
        observer: dubbo.observer,
        clientOptions,
        wire,
        // dubbo-js aborts ctx.signal with a DubboError: Canceled / DeadlineExceeded
        abortCodes: { cancel: [Status.CANCELLED], deadline: [Status.DEADLINE_EXCEEDED] },
      });
      return { ...ctx, versioned: dubbo.versioned };
    },
    async teardown(ctx) {
      await stopTripleClients(ctx);
      await dubbo?.close();
    },
    cases: cases(contentType),
  });
}

suite('dubbo-node-server-triple-json-h2c', (d) => d.h2Port, { protocol: 'triple', codec: 'json', httpVersion: '2' }, 'triple', /^application\/json/);
suite('dubbo-node-server-triple-proto-h1', (d) => d.h1Port, { protocol: 'triple', codec: 'proto', httpVersion: '1.1' }, 'triple', /^application\/proto/);
suite('dubbo-node-server-grpc', (d) => d.h2Port, { protocol: 'grpc' }, 'grpc', /^application\/grpc/);
