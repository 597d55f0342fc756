import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Gaps } from './harness/known-failing.js';
import {
  ECHO_INITIAL_KEY,
  ECHO_INITIAL_VALUE,
  ECHO_TRAILING_KEY,
  ECHO_TRAILING_VALUE,
  GAPS,
  isZeros,
  LARGE_REQUEST,
  LARGE_RESPONSE,
  SPECIAL_STATUS_MESSAGE,
  Status,
  STATUS_MESSAGE,
  TEST_SERVICE,
  UNIMPLEMENTED_SERVICE,
  zeros,
} from './harness/interop-data.js';
import { describeInterop, type InteropSuite } from './harness/suite.js';
import { curlPost, fetchPost, type HttpPost, type HttpResult } from './peers/http-clients.js';
import { nestObserver, startNestTestService, type RunningNestTestService } from './servers/nest-test-service.js';

/**
 * The unary interop cases over the Triple unary protocol, spoken by plain HTTP clients: a POST
 * of the proto3-JSON request to /<service>/<method>, the JSON response in the body, response
 * metadata as headers, trailing metadata as `trailer-` headers, errors as an HTTP status plus a
 * JSON `{code, message}` body. Nothing Triple-specific on the client side - that is the point.
 */
interface Ctx {
  server: RunningNestTestService;
  post(service: string, method: string, json: unknown, headers?: Record<string, string>, options?: { gzip?: boolean }): Promise<HttpResult>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** proto3 JSON of a SimpleRequest asking for the large_unary sizes. */
function largeRequest(extra: object = {}): object {
  return { responseSize: LARGE_RESPONSE, payload: { body: zeros(LARGE_REQUEST).toString('base64') }, ...extra };
}

function json(result: HttpResult): any {
  assert.match(result.headers['content-type'] ?? '', /^application\/json/, `content-type of a ${result.status} response`);
  const body = result.headers['content-encoding'] === 'gzip' && result.body[0] === 0x1f ? gunzipSync(result.body) : result.body;
  return JSON.parse(body.toString('utf8'));
}

function payloadBody(response: any): Buffer {
  return Buffer.from(response?.payload?.body ?? '', 'base64');
}

/** The gRPC code of a Triple unary error response, from its JSON body. */
function errorOf(result: HttpResult): { code: string; status?: number; message?: string } {
  assert.notEqual(result.status, 200, 'expected an error response');
  return json(result);
}

function suite(post: HttpPost, httpVersion: '1.1' | '2'): InteropSuite<Ctx> {
  return {
    async setup() {
      const server = await startNestTestService();
      return {
        server,
        post: (service, method, body, headers = {}, options = {}) => {
          const raw = Buffer.from(JSON.stringify(body));
          const extra: Record<string, string> = options.gzip ? { 'content-encoding': 'gzip' } : {};
          return post(`http://${server.address}/${service}/${method}`, options.gzip ? gzipSync(raw) : raw, { ...JSON_HEADERS, ...extra, ...headers });
        },
      };
    },
    async teardown(ctx) {
      await ctx?.server.close();
    },
    cases: {
      async empty_unary({ post }) {
        nestObserver.reset();
        const result = await post(TEST_SERVICE, 'EmptyCall', {});
        assert.equal(result.status, 200);
        assert.deepEqual(json(result), {});
        assert.deepEqual(nestObserver.last('EmptyCall')?.via, { protocol: 'triple', httpVersion, codec: 'json' }, 'the server saw a Triple JSON call');
      },

      async large_unary({ post }) {
        const result = await post(TEST_SERVICE, 'UnaryCall', largeRequest());
        assert.equal(result.status, 200);
        assert.ok(isZeros(payloadBody(json(result)), LARGE_RESPONSE));
      },

      async custom_metadata({ post }) {
        // The unary step (Triple unary carries no streams): initial metadata comes back as a
        // header, trailing metadata as a `trailer-` header, base64 for -bin keys.
        const result = await post(TEST_SERVICE, 'UnaryCall', largeRequest(), {
          [ECHO_INITIAL_KEY]: ECHO_INITIAL_VALUE,
          [ECHO_TRAILING_KEY]: ECHO_TRAILING_VALUE.toString('base64'),
        });
        assert.equal(result.status, 200);
        assert.ok(isZeros(payloadBody(json(result)), LARGE_RESPONSE));
        assert.equal(result.headers[ECHO_INITIAL_KEY], ECHO_INITIAL_VALUE);
        const trailing = result.headers[`trailer-${ECHO_TRAILING_KEY}`];
        assert.ok(trailing, `trailer-${ECHO_TRAILING_KEY} present`);
        assert.deepEqual(Buffer.from(trailing, 'base64'), ECHO_TRAILING_VALUE);
      },

      async status_code_and_message({ post }) {
        const result = await post(TEST_SERVICE, 'UnaryCall', { responseStatus: { code: Status.UNKNOWN, message: STATUS_MESSAGE } });
        assert.equal(result.status, 500, 'UNKNOWN maps to HTTP 500');
        const error = errorOf(result);
        assert.equal(error.code, 'unknown');
        assert.equal(error.message, STATUS_MESSAGE);
      },

      async special_status_message({ post }) {
        const result = await post(TEST_SERVICE, 'UnaryCall', { responseStatus: { code: Status.UNKNOWN, message: SPECIAL_STATUS_MESSAGE } });
        const error = errorOf(result);
        assert.equal(error.code, 'unknown');
        assert.equal(error.message, SPECIAL_STATUS_MESSAGE);
      },

      async unimplemented_method({ post }) {
        const result = await post(TEST_SERVICE, 'UnimplementedCall', {});
        assert.equal(result.status, 404, 'UNIMPLEMENTED maps to HTTP 404');
        assert.equal(errorOf(result).code, 'unimplemented');
      },

      async unimplemented_service({ post }) {
        const result = await post(UNIMPLEMENTED_SERVICE, 'UnimplementedCall', {});
        assert.equal(result.status, 404, 'UNIMPLEMENTED maps to HTTP 404');
        assert.equal(errorOf(result).code, 'unimplemented');
      },

      async client_compressed_unary({ post }) {
        const gaps = new Gaps();
        const probe = await post(TEST_SERVICE, 'UnaryCall', largeRequest({ expectCompressed: { value: true } }));
        gaps.check(probe.status !== 200 && json(probe).code === 'invalid_argument', GAPS.requestCompressionVisibility, `probe: expected invalid_argument, got HTTP ${probe.status}`);
        const compressed = await post(TEST_SERVICE, 'UnaryCall', largeRequest({ expectCompressed: { value: true } }), {}, { gzip: true });
        assert.equal(compressed.status, 200, 'a gzip request body (Content-Encoding: gzip) is accepted');
        assert.ok(isZeros(payloadBody(json(compressed)), LARGE_RESPONSE));
        const plain = await post(TEST_SERVICE, 'UnaryCall', largeRequest({ expectCompressed: { value: false } }));
        assert.equal(plain.status, 200);
        assert.ok(isZeros(payloadBody(json(plain)), LARGE_RESPONSE));
        gaps.done();
      },

      async server_compressed_unary({ post }) {
        const gaps = new Gaps();
        for (const want of [true, false]) {
          const result = await post(TEST_SERVICE, 'UnaryCall', largeRequest({ responseCompressed: { value: want } }), { 'accept-encoding': 'gzip' });
          assert.equal(result.status, 200);
          assert.ok(isZeros(payloadBody(json(result)), LARGE_RESPONSE));
          const encoding = result.headers['content-encoding'];
          gaps.check((encoding === 'gzip') === want, GAPS.responseCompressionControl, `response_compressed=${want} but content-encoding is ${encoding ?? 'absent'}`);
        }
        gaps.done();
      },
    },
  };
}

describeInterop<Ctx>('fetch-triple-json-h1', suite(fetchPost, '1.1'));
describeInterop<Ctx>('curl-triple-json-h2c', suite(curlPost, '2'));
