import type { MethodDescriptor } from '../../lib/core/method-descriptor.js';
import { loadProtos } from '../../lib/core/proto-loader.js';
import { ECHO_PROTO } from './start-echo-server.js';

const protos = loadProtos({ protoPath: ECHO_PROTO, package: 'echo.v1' });

/** MethodDescriptor of `echo.v1.EchoService/<name>` from the shared fixture proto. */
export function echoMethod(name: string): MethodDescriptor {
  const method = protos.findMethod(`/echo.v1.EchoService/${name}`);
  if (!method) throw new Error(`no method ${name} in echo.proto`);
  return method;
}

/** An async generator of requests, optionally spaced by `delayMs`. */
export async function* requestsOf<T>(items: T[], delayMs = 0): AsyncGenerator<T> {
  for (const item of items) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    yield item;
  }
}

/** Collects a stream response into an array. */
export async function collectStream<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}
