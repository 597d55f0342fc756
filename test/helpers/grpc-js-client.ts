import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ECHO_PROTO } from './start-echo-server.js';

/** A real @grpc/grpc-js client for echo.v1.EchoService, used as an independent peer. */
export function createGrpcJsEchoClient(address: string, channelOptions: grpc.ChannelOptions = {}): grpc.Client & Record<string, Function> {
  const definition = protoLoader.loadSync(ECHO_PROTO, { longs: String, enums: String, defaults: false, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  return new pkg.echo.v1.EchoService(address, grpc.credentials.createInsecure(), channelOptions);
}

export function unary<T = any>(client: any, method: string, request: unknown, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): Promise<{ response: T; headers: grpc.Metadata; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    let response: T;
    let error: unknown;
    let pending = 2;
    const done = (status?: grpc.StatusObject): void => {
      if (--pending > 0) return;
      if (error) reject(error);
      else resolve({ response, headers, status: status! });
    };
    let statusObj: grpc.StatusObject;
    const call = client[method](request, metadata, options, (err: unknown, res: T) => {
      error = err;
      response = res;
      done(statusObj);
    });
    call.on('metadata', (md: grpc.Metadata) => (headers = md));
    call.on('status', (s: grpc.StatusObject) => {
      statusObj = s;
      done(s);
    });
  });
}

export function collect<T = any>(call: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    call.on('data', (d: T) => items.push(d));
    call.on('error', reject);
    call.on('end', () => resolve(items));
  });
}

export { grpc };
