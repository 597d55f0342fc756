import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ECHO_PROTO } from './start-echo-server.js';

/** What the grpc-js server saw, for assertions on cancels and deadlines. */
export interface GrpcJsServerProbe {
  calls: number;
  cancelled: string[];
  deadlines: Array<number | undefined>;
  /** Metadata of the last call. */
  lastMetadata: grpc.Metadata | undefined;
  /** Messages a flow-controlled server stream (`message: 'paced'`) has written so far. */
  written: number;
}

export interface RunningGrpcJsServer {
  server: grpc.Server;
  /** `127.0.0.1:<port>` */
  address: string;
  port: number;
  probe: GrpcJsServerProbe;
  close(): Promise<void>;
}

const definition = protoLoader.loadSync(ECHO_PROTO, { longs: String, enums: String, defaults: false, oneofs: true });
const pkg = grpc.loadPackageDefinition(definition) as any;

/**
 * A plain @grpc/grpc-js server implementing echo.v1.EchoService: an independent peer for the
 * client transport (the reference gRPC implementation on Node). Binds 127.0.0.1 on `port` (0 = any).
 */
export async function startGrpcJsServer(port = 0, options: grpc.ServerOptions = {}): Promise<RunningGrpcJsServer> {
  const probe: GrpcJsServerProbe = { calls: 0, cancelled: [], deadlines: [], lastMetadata: undefined, written: 0 };
  const server = new grpc.Server(options);
  const flakyCalls = new Map<string, number>();
  type AnyCall = { metadata: grpc.Metadata; getDeadline(): grpc.Deadline; on(event: 'cancelled', listener: () => void): unknown };
  const watch = (name: string, call: AnyCall): void => {
    probe.calls++;
    probe.lastMetadata = call.metadata;
    const deadline = call.getDeadline();
    probe.deadlines.push(deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? Number(deadline) : undefined);
    call.on('cancelled', () => probe.cancelled.push(name));
  };
  server.addService(pkg.echo.v1.EchoService.service, {
    echo(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      watch('Echo', call);
      const header = call.metadata.get('x-echo-header');
      if (header.length) call.sendMetadata(withEntry('x-echo-header', header[0]!));
      const trailer = new grpc.Metadata();
      trailer.set('x-served-by', 'grpc-js');
      callback(null, { ...call.request, peer: call.getPeer() }, trailer);
    },
    lookup(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      watch('Lookup', call);
      // `flaky:<n>:<key>` answers UNAVAILABLE to the first n calls for that key (retry tests).
      const flaky = /^flaky:(\d+):(.*)$/.exec(call.request.message ?? '');
      if (flaky) {
        const seen = (flakyCalls.get(flaky[2]!) ?? 0) + 1;
        flakyCalls.set(flaky[2]!, seen);
        if (seen <= Number(flaky[1])) return callback({ code: grpc.status.UNAVAILABLE, details: `flaky ${seen}` });
      }
      callback(null, { message: `found ${call.request.message ?? ''}` });
    },
    echoServerStream(call: grpc.ServerWritableStream<any, any>) {
      watch('EchoServerStream', call);
      const count = call.request.count ?? 3;
      const delay = call.request.delayMs ?? 0;
      if (call.request.message === 'paced') {
        // Honors backpressure: writes only while grpc-js (HTTP/2 flow control) accepts.
        probe.written = 0;
        const payload = Buffer.alloc(1024, 7);
        const pump = (): void => {
          while (!call.cancelled && probe.written < count) {
            probe.written++;
            if (!call.write({ message: 'paced', count: probe.written, payload })) return void call.once('drain', pump);
          }
          if (!call.cancelled) call.end();
        };
        return pump();
      }
      let i = 0;
      const next = (): void => {
        if (call.cancelled) return;
        if (i >= count) return void call.end();
        call.write({ message: `${call.request.message ?? ''}-${i}`, count: i });
        i++;
        if (delay) setTimeout(next, delay);
        else setImmediate(next);
      };
      next();
    },
    echoClientStream(call: grpc.ServerReadableStream<any, any>, callback: grpc.sendUnaryData<any>) {
      watch('EchoClientStream', call);
      let message = '';
      let count = 0;
      call.on('data', (r: any) => {
        message += r.message ?? '';
        count++;
      });
      call.on('end', () => callback(null, { message, count }));
    },
    echoBidi(call: grpc.ServerDuplexStream<any, any>) {
      watch('EchoBidi', call);
      call.on('data', (r: any) => {
        if (r.message === 'fail') return void call.emit('error', { code: grpc.status.ABORTED, details: 'bidi asked to fail' });
        call.write({ message: `echo:${r.message ?? ''}`, count: r.count });
      });
      call.on('end', () => call.end());
    },
    fail(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      watch('Fail', call);
      const metadata = withEntry('x-fail-reason', 'asked');
      callback({ code: call.request.code ?? grpc.status.FAILED_PRECONDITION, details: call.request.message ?? 'failed', metadata });
    },
    slow(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      watch('Slow', call);
      const timer = setTimeout(() => callback(null, { message: 'slow done' }), call.request.ms ?? 1000);
      call.on('cancelled', () => clearTimeout(timer));
    },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p)));
  });
  return {
    server,
    address: `127.0.0.1:${bound}`,
    port: bound,
    probe,
    // Graceful first; whatever still runs after a second is cut (tests never wait on stragglers).
    close: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => server.forceShutdown(), 1000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    }),
  };
}

function withEntry(key: string, value: grpc.MetadataValue): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(key, value);
  return md;
}
