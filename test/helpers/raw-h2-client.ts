import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Buffer;
  /** RST_STREAM code if the server reset the stream. */
  rstCode: number;
}

/** A byte-level HTTP/2 client: sends exactly the headers and body bytes given, records everything. */
export class RawH2Client {
  readonly session: ClientHttp2Session;

  constructor(address: string) {
    this.session = connect(`http://${address}`);
    this.session.on('error', () => undefined);
  }

  /**
   * Sends one request. `readDelayMs` leaves the response unread that long (the stream is
   * paused, so HTTP/2 flow control stops the server), to test server-side backpressure.
   */
  request(path: string, headers: OutgoingHttpHeaders, body?: Buffer | Buffer[], timeoutMs = 5000, readDelayMs = 0): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({ ':method': 'POST', ':path': path, ...headers });
      let responseHeaders: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        stream.close();
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('trailers', (t) => (trailers = t));
      if (readDelayMs > 0) {
        stream.pause();
        setTimeout(() => stream.on('data', (c: Buffer) => chunks.push(c)).resume(), readDelayMs);
      } else {
        stream.on('data', (c: Buffer) => chunks.push(c));
      }
      stream.on('error', () => undefined);
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ status: Number(responseHeaders[':status'] ?? 0), headers: responseHeaders, trailers, body: Buffer.concat(chunks), rstCode: stream.rstCode ?? 0 });
      });
      const parts = body === undefined ? [] : Array.isArray(body) ? body : [body];
      for (const p of parts) stream.write(p);
      stream.end();
    });
  }

  close(): void {
    this.session.close();
  }
}

/** One gRPC envelope: flags, 4-byte big-endian length, payload. */
export function envelope(payload: Buffer, flags = 0): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** The grpc-status of a response: from trailers, or from headers in a trailers-only response. */
export function grpcStatus(res: RawResponse): number | undefined {
  const value = res.trailers['grpc-status'] ?? res.headers['grpc-status'];
  return value === undefined ? undefined : Number(value);
}

export function grpcMessage(res: RawResponse): string | undefined {
  const value = res.trailers['grpc-message'] ?? res.headers['grpc-message'];
  return value === undefined ? undefined : decodeURIComponent(String(value));
}
