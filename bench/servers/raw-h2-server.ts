/**
 * The practical upper limit for Node: bench.v1.BenchService on a bare node:http2 'stream'
 * handler, gRPC framed by hand (bench/common/wire.ts), no framework, no generated code.
 * Also serves the Triple unary protocol with JSON bodies (`application/json`) for the JSON figure.
 * Usage: node raw-h2-server.js <port>; prints {"ready":true,...} once listening.
 */
import { createServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { PATH_BIDI, PATH_CLIENT_STREAM, PATH_SERVER_STREAM, PATH_UNARY } from '../common/paths.js';
import { decodeMessage, encodeFrame, FrameSplitter, messageSize, writeFrame } from '../common/wire.js';
import { announceReady } from './ready.js';

const OK_TRAILERS = { 'grpc-status': '0' };
const GRPC_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const COALESCE = 64 * 1024;

function respondGrpc(stream: ServerHttp2Stream): void {
  stream.respond(GRPC_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(OK_TRAILERS));
}

function fail(stream: ServerHttp2Stream, status: number): void {
  if (!stream.destroyed && !stream.headersSent) stream.respond({ ':status': status }, { endStream: true });
  stream.resume();
}

function collectBody(stream: ServerHttp2Stream, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    // A load generator stopping resets its in-flight streams: nothing to answer then.
    if (!stream.destroyed) done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}

function unaryGrpc(stream: ServerHttp2Stream): void {
  collectBody(stream, (body) => {
    if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) return fail(stream, 400);
    const req = decodeMessage(body, 5);
    respondGrpc(stream);
    stream.end(encodeFrame(req.payload, req.count));
  });
}

function unaryJson(stream: ServerHttp2Stream): void {
  collectBody(stream, (body) => {
    let req: { payload?: string; count?: number };
    try {
      req = JSON.parse(body.toString('utf8'));
    } catch {
      return fail(stream, 400);
    }
    const out: { payload?: string; count?: number } = {};
    if (req.payload) out.payload = req.payload;
    if (req.count) out.count = req.count;
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify(out));
  });
}

/** Writes `count` messages (payload, index) in coalesced chunks, waiting for 'drain' when told to. */
function serverStream(stream: ServerHttp2Stream): void {
  collectBody(stream, (body) => {
    if (body.length < 5) return fail(stream, 400);
    const { payload, count } = decodeMessage(body, 5);
    respondGrpc(stream);
    let i = 0;
    const pump = (): void => {
      while (i < count) {
        if (stream.destroyed) return;
        const frameMax = 5 + messageSize(payload.length, Math.max(count, 1));
        const n = Math.max(1, Math.min(count - i, Math.floor(COALESCE / frameMax)));
        const buf = Buffer.allocUnsafe(n * frameMax);
        let pos = 0;
        for (let k = 0; k < n; k++, i++) pos = writeFrame(buf, pos, payload, i);
        if (!stream.write(buf.subarray(0, pos))) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
}

function clientStream(stream: ServerHttp2Stream): void {
  let n = 0;
  const splitter = new FrameSplitter((buf, start, end) => {
    decodeMessage(buf, start, end);
    n++;
  });
  stream.on('data', (c: Buffer) => splitter.push(c));
  stream.on('end', () => {
    if (stream.destroyed) return;
    respondGrpc(stream);
    stream.end(encodeFrame(Buffer.alloc(0), n));
  });
}

/** Echoes every message; the answers to one inbound chunk go out in one write. */
function bidi(stream: ServerHttp2Stream): void {
  respondGrpc(stream);
  let out: Buffer[] = [];
  let outBytes = 0;
  const splitter = new FrameSplitter((buf, start, end) => {
    const msg = decodeMessage(buf, start, end);
    const frame = Buffer.allocUnsafe(5 + messageSize(msg.payload.length, msg.count));
    writeFrame(frame, 0, msg.payload, msg.count);
    out.push(frame);
    outBytes += frame.length;
  });
  stream.on('data', (c: Buffer) => {
    splitter.push(c);
    if (out.length === 0) return;
    const chunk = out.length === 1 ? out[0]! : Buffer.concat(out, outBytes);
    out = [];
    outBytes = 0;
    if (!stream.write(chunk)) {
      stream.pause();
      stream.once('drain', () => stream.resume());
    }
  });
  stream.on('end', () => {
    if (!stream.destroyed) stream.end();
  });
}

function onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  stream.on('error', () => undefined);
  const path = headers[':path'];
  const type = headers['content-type'] ?? '';
  if (type === 'application/json') {
    if (path === PATH_UNARY) return unaryJson(stream);
    return fail(stream, 404);
  }
  if (!type.startsWith('application/grpc')) return fail(stream, 415);
  switch (path) {
    case PATH_UNARY:
      return unaryGrpc(stream);
    case PATH_SERVER_STREAM:
      return serverStream(stream);
    case PATH_CLIENT_STREAM:
      return clientStream(stream);
    case PATH_BIDI:
      return bidi(stream);
    default:
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
      stream.resume();
  }
}

function main(): void {
  const port = Number(process.argv[2] ?? 0);
  const server = createServer();
  server.on('stream', onStream);
  server.on('sessionError', () => undefined);
  server.listen(port, '127.0.0.1', () => announceReady('raw-h2', port));
  process.on('SIGTERM', () => process.exit(0));
}

main();
