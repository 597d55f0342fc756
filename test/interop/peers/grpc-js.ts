import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GRPC_TESTING_DIR, TEST_PROTO } from '../harness/interop-data.js';

/** The interop protos for @grpc/grpc-js, with the .proto field names (snake_case). */
const definition = protoLoader.loadSync(TEST_PROTO, {
  includeDirs: [GRPC_TESTING_DIR],
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
});
export const grpcTesting = (grpc.loadPackageDefinition(definition) as any).grpc.testing;

/** grpc-js' compression algorithm ids (compression-algorithms.ts): 2 = gzip. */
export const GRPC_JS_GZIP = 2;
/** grpc-js' WriteFlags.NoCompress (call-interface.ts; not exported): send this message uncompressed. */
export const GRPC_JS_NO_COMPRESS = 2;

export interface UnaryResult<T> {
  response?: T;
  error?: grpc.ServiceError;
  headers: grpc.Metadata;
  status: grpc.StatusObject;
}

/** A unary call that resolves with everything the client saw (success or not). */
export function grpcJsUnary<T = any>(client: any, method: string, request: unknown, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): Promise<UnaryResult<T>> {
  return new Promise((resolve) => {
    let headers = new grpc.Metadata();
    let response: T | undefined;
    let error: grpc.ServiceError | undefined;
    let status: grpc.StatusObject | undefined;
    let pending = 2;
    const done = (): void => {
      if (--pending === 0) resolve({ response, error, headers, status: status! });
    };
    const call = client[method](request, metadata, options, (err: grpc.ServiceError | null, res: T) => {
      error = err ?? undefined;
      response = res;
      done();
    });
    call.on('metadata', (md: grpc.Metadata) => (headers = md));
    call.on('status', (s: grpc.StatusObject) => {
      status = s;
      done();
    });
  });
}

export interface StreamResult<T> {
  responses: T[];
  error?: grpc.ServiceError;
  headers: grpc.Metadata;
  status: grpc.StatusObject;
}

/** Collects a response stream until its status (success or not). */
export function grpcJsCollect<T = any>(call: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<any, T>): Promise<StreamResult<T>> {
  return new Promise((resolve) => {
    const responses: T[] = [];
    let headers = new grpc.Metadata();
    let error: grpc.ServiceError | undefined;
    call.on('metadata', (md: grpc.Metadata) => (headers = md));
    call.on('data', (d: T) => responses.push(d));
    call.on('error', (e: grpc.ServiceError) => (error = e));
    call.on('status', (status: grpc.StatusObject) => {
      // 'status' can precede a pending 'error'; let it land first
      setImmediate(() => resolve({ responses, error, headers, status }));
    });
  });
}

/** The next message of a duplex call (ping_pong). */
export function nextMessage<T>(call: grpc.ClientDuplexStream<any, T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const onData = (d: T): void => {
      cleanup();
      resolve(d);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error('stream ended before the next message'));
    };
    const cleanup = (): void => {
      call.off('data', onData);
      call.off('error', onError);
      call.off('end', onEnd);
    };
    call.on('data', onData);
    call.on('error', onError);
    call.on('end', onEnd);
  });
}

export { grpc };
