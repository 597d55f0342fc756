import assert from 'node:assert/strict';
import { Controller } from '@nestjs/common';
import { after, before, beforeEach, describe, test } from 'node:test';
import { finalize, map, mergeMap, Observable, of, reduce, take, timer } from 'rxjs';
import { Code, TripleContext, TripleStreamMethod } from '../../lib/index.js';
import { envelope } from '../helpers/raw-h2-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { Flag, frame, FrameType, grpcHeadersFrame, H2Error, RawH2Connection, rstStreamFrame } from '../hardening/helpers/h2-frames.js';

/**
 * A Node HTTP/2 client (grpc-js, connect-node, dubbo-node, ours) cancels a call whose request
 * side is open by sending END_STREAM and then RST_STREAM(CANCEL). The server must not read that
 * as a normal end of the request: these cases send the exact frames with a byte-level peer, so
 * the order and the grouping into socket writes are fixed, not left to timing.
 */
const events: string[] = [];
const aborts: Array<{ method: string; code: number }> = [];

function watch(method: string, ctx: TripleContext): void {
  events.push(`started:${method}`);
  ctx.signal.addEventListener('abort', () => aborts.push({ method, code: (ctx.signal.reason as { code?: number }).code ?? -1 }));
}

@Controller()
class HalfCloseProbeController {
  /** Sums the request; answers `delay` ms after the request ends (0 = at once). */
  @TripleStreamMethod('EchoService', 'EchoClientStream')
  clientStream(requests: Observable<{ message?: string; count?: number }>, ctx: TripleContext): Observable<unknown> {
    watch('EchoClientStream', ctx);
    return requests.pipe(
      reduce((n) => n + 1, 0),
      mergeMap((n) => {
        events.push(`request-complete:${n}`);
        return currentDelay > 0 ? timer(currentDelay).pipe(map(() => ({ count: n }))) : of({ count: n });
      }),
      finalize(() => events.push('client-stream-finalize')),
    );
  }

  /** Answers the first request message and completes, leaving the request side open. */
  @TripleStreamMethod('EchoService', 'EchoBidi')
  bidi(requests: Observable<{ message?: string }>, ctx: TripleContext): Observable<unknown> {
    watch('EchoBidi', ctx);
    return requests.pipe(
      take(1),
      map((r) => ({ message: `echo:${r.message ?? ''}` })),
      finalize(() => events.push('bidi-finalize')),
    );
  }
}

let currentDelay = 0;
const CLIENT_STREAM = '/echo.v1.EchoService/EchoClientStream';
/** EchoRequest{message: "a"} */
const MSG = envelope(Buffer.from([0x0a, 0x01, 0x61]));
const endStream = (streamId: number): Buffer => frame(FrameType.DATA, Flag.END_STREAM, streamId);

async function waitFor(what: string, predicate: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`${what} did not happen in ${ms} ms; events: ${events.join(', ')}; aborts: ${JSON.stringify(aborts)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('cancel after half-close: END_STREAM followed by RST_STREAM(CANCEL)', () => {
  let server: RunningServer;
  let conn: RawH2Connection;

  before(async () => {
    server = await startEchoServer({}, [HalfCloseProbeController]);
  });
  after(async () => server.close());
  beforeEach(async () => {
    events.length = 0;
    aborts.length = 0;
    currentDelay = 0;
    conn?.destroy();
    conn = new RawH2Connection(server.address);
    await conn.ready;
  });

  test('both in one read: node:http2 ends the request before it parses the RST_STREAM, and the signal aborts right after', async () => {
    await conn.send(Buffer.concat([grpcHeadersFrame(1, CLIENT_STREAM), frame(FrameType.DATA, 0, 1, MSG)]));
    await waitFor('the handler starting', () => events.includes('started:EchoClientStream'));
    await conn.send(Buffer.concat([endStream(1), rstStreamFrame(1, H2Error.CANCEL)]));
    await waitFor('the handler being told', () => aborts.length > 0 && events.includes('client-stream-finalize'));
    // 'end' is emitted while nghttp2 is still inside the DATA frame, so the handler sees a whole
    // request and answers; the reset that follows in the same read must still reach ctx.signal.
    assert.deepEqual(events, ['started:EchoClientStream', 'request-complete:1', 'client-stream-finalize']);
    assert.deepEqual(aborts, [{ method: 'EchoClientStream', code: Code.CANCELLED }]);
  });

  test('RST_STREAM while the handler still works after the half-close: its signal aborts and its output is unsubscribed', async () => {
    currentDelay = 5_000;
    await conn.send(Buffer.concat([grpcHeadersFrame(1, CLIENT_STREAM), frame(FrameType.DATA, 0, 1, MSG), endStream(1)]));
    await waitFor('the request completing', () => events.includes('request-complete:1'));
    await conn.send(rstStreamFrame(1, H2Error.CANCEL));
    await waitFor('the handler being stopped', () => aborts.length > 0 && events.includes('client-stream-finalize'), 1000);
    assert.deepEqual(aborts, [{ method: 'EchoClientStream', code: Code.CANCELLED }]);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!conn.ended.has(1), 'nothing more is sent on a reset stream');
  });

  test('RST_STREAM after the handler answered but before the stream closed still aborts its signal (like grpc-js "cancelled")', async () => {
    await conn.send(Buffer.concat([grpcHeadersFrame(1, '/echo.v1.EchoService/EchoBidi'), frame(FrameType.DATA, 0, 1, MSG)]));
    await waitFor('the response ending', () => conn.ended.has(1) && events.includes('bidi-finalize'));
    assert.deepEqual(aborts, [], 'a completed call is not aborted while the stream is still open');
    await conn.send(rstStreamFrame(1, H2Error.CANCEL));
    await waitFor('the late cancel reaching ctx.signal', () => aborts.length > 0, 1000);
    assert.deepEqual(aborts, [{ method: 'EchoBidi', code: Code.CANCELLED }]);
  });

  test('a plain half-close is still a complete request: answered with grpc-status 0, never aborted', async () => {
    await conn.send(Buffer.concat([grpcHeadersFrame(1, CLIENT_STREAM), frame(FrameType.DATA, 0, 1, MSG), frame(FrameType.DATA, 0, 1, MSG), endStream(1)]));
    await waitFor('the response ending', () => conn.ended.has(1));
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(events.includes('request-complete:2'), events.join(', '));
    assert.deepEqual(aborts, []);
    assert.equal(conn.resets.get(1), undefined);
  });
});
