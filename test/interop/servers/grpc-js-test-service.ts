import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, sleep } from '../harness/interop-data.js';
import { ServerObserver, TAG_KEY, type ObservedCall } from '../harness/observer.js';
import { grpc, grpcTesting } from '../peers/grpc-js.js';

/**
 * grpc.testing.TestService written against plain @grpc/grpc-js: the reference gRPC server on
 * Node, as a peer for TripleClient. Features as the interop descriptions define them; `cancelled`
 * is what grpc-js tells a handler when the client cancels or the deadline passes.
 *
 * Compression: grpc-js servers decompress requests but never compress responses (its
 * server-interceptors: "response compression is currently not supported"), and cannot see
 * whether a request was compressed, so neither `response_compressed` nor `expect_compressed`
 * can be honoured by this peer.
 */
export interface RunningGrpcJsTestService {
  server: grpc.Server;
  observer: ServerObserver;
  host: string;
  port: number;
  close(): Promise<void>;
}

type Call = { metadata: grpc.Metadata; on(event: 'cancelled', listener: () => void): unknown; cancelled: boolean };

function echoInitial(call: { metadata: grpc.Metadata; sendMetadata(md: grpc.Metadata): void }): void {
  const value = call.metadata.get(ECHO_INITIAL_KEY);
  if (value.length === 0) return;
  const md = new grpc.Metadata();
  md.set(ECHO_INITIAL_KEY, value[0]!);
  call.sendMetadata(md);
}

function echoTrailing(call: { metadata: grpc.Metadata }): grpc.Metadata {
  const trailer = new grpc.Metadata();
  const value = call.metadata.get(ECHO_TRAILING_KEY);
  if (value.length) trailer.set(ECHO_TRAILING_KEY, value[0]!);
  return trailer;
}

function statusError(status: { code?: number; message?: string } | null | undefined): Partial<grpc.StatusObject> | undefined {
  return status && status.code ? { code: status.code, details: status.message ?? '' } : undefined;
}

function response(size: number): object {
  return { payload: { type: 0, body: Buffer.alloc(size) } };
}

export async function startGrpcJsTestService(): Promise<RunningGrpcJsTestService> {
  const observer = new ServerObserver();
  const server = new grpc.Server();
  const watch = (method: string, call: Call): ObservedCall => {
    const seen = observer.start(method);
    const tag = call.metadata.get(TAG_KEY)[0];
    if (typeof tag === 'string') seen.tag = tag;
    call.on('cancelled', () => {
      seen.aborted = 'cancelled';
      seen.stopped = true;
    });
    return seen;
  };
  /** Writes one response per parameter, each after its interval; false if the call went away. */
  const writeResponses = async (call: grpc.ServerWritableStream<any, any> | grpc.ServerDuplexStream<any, any>, seen: ObservedCall, params: any[]): Promise<boolean> => {
    for (const p of params ?? []) {
      if (p.interval_us) await sleep(p.interval_us / 1000);
      if (call.cancelled) return false;
      call.write(response(p.size ?? 0));
      seen.sent++;
    }
    return !call.cancelled;
  };

  server.addService(grpcTesting.TestService.service, {
    emptyCall(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      watch('EmptyCall', call).stopped = true;
      callback(null, {});
    },
    unaryCall(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      const seen = watch('UnaryCall', call);
      seen.received = 1;
      echoInitial(call);
      seen.stopped = true;
      const error = statusError(call.request.response_status);
      if (error) return callback({ ...error, metadata: echoTrailing(call) });
      seen.sent = 1;
      callback(null, response(call.request.response_size ?? 0), echoTrailing(call));
    },
    async streamingOutputCall(call: grpc.ServerWritableStream<any, any>) {
      const seen = watch('StreamingOutputCall', call);
      seen.received = 1;
      echoInitial(call);
      const error = statusError(call.request.response_status);
      if (error) return call.emit('error', error);
      if (await writeResponses(call, seen, call.request.response_parameters)) call.end(echoTrailing(call));
      seen.stopped = true;
    },
    streamingInputCall(call: grpc.ServerReadableStream<any, any>, callback: grpc.sendUnaryData<any>) {
      const seen = watch('StreamingInputCall', call);
      echoInitial(call);
      let total = 0;
      call.on('data', (r: any) => {
        seen.received++;
        total += r.payload?.body?.length ?? 0;
      });
      call.on('end', () => {
        if (call.cancelled) return;
        seen.sent = 1;
        seen.stopped = true;
        callback(null, { aggregated_payload_size: total }, echoTrailing(call));
      });
    },
    fullDuplexCall(call: grpc.ServerDuplexStream<any, any>) {
      const seen = watch('FullDuplexCall', call);
      echoInitial(call);
      let chain = Promise.resolve(true);
      let failed = false;
      call.on('data', (r: any) => {
        seen.received++;
        chain = chain.then(async (ok) => {
          if (!ok || failed) return false;
          const error = statusError(r.response_status);
          if (error) {
            failed = true;
            call.emit('error', error);
            return false;
          }
          return writeResponses(call, seen, r.response_parameters);
        });
      });
      call.on('end', () => {
        void chain.then((ok) => {
          if (ok && !failed && !call.cancelled) call.end(echoTrailing(call));
          seen.stopped = true;
        });
      });
    },
    halfDuplexCall(call: grpc.ServerDuplexStream<any, any>) {
      const seen = watch('HalfDuplexCall', call);
      echoInitial(call);
      const requests: any[] = [];
      call.on('data', (r: any) => {
        seen.received++;
        requests.push(r);
      });
      call.on('end', async () => {
        for (const r of requests) {
          const error = statusError(r.response_status);
          if (error) return call.emit('error', error);
          if (!(await writeResponses(call, seen, r.response_parameters))) return;
        }
        call.end(echoTrailing(call));
        seen.stopped = true;
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    server,
    observer,
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
}
