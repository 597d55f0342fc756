/**
 * The interop matrix, declared once: which cases exist and which peer runs which of them.
 * Spec files register their tests from it (so a declared case cannot be skipped silently), and
 * the README table is rendered from it plus known-failing.md (so it never drifts from the code).
 *
 * Case names and procedures are those of the public gRPC interop test descriptions
 * (grpc/grpc doc/interop-test-descriptions.md); `dubbo_*` cases are Dubbo-specific additions.
 */
export const INTEROP_CASES = [
  'empty_unary',
  'large_unary',
  'client_streaming',
  'server_streaming',
  'ping_pong',
  'empty_stream',
  'cancel_after_begin',
  'cancel_after_first_response',
  'timeout_on_sleeping_server',
  'custom_metadata',
  'status_code_and_message',
  'special_status_message',
  'unimplemented_method',
  'unimplemented_service',
  'client_compressed_unary',
  'server_compressed_unary',
  'client_compressed_streaming',
  'server_compressed_streaming',
  'dubbo_group_version',
] as const;

export type CaseId = (typeof INTEROP_CASES)[number];

/** The 18 cases of the gRPC interop descriptions this suite runs. */
export const GRPC_CASES: readonly CaseId[] = INTEROP_CASES.filter((c) => !c.startsWith('dubbo_'));

/** The cases that need only unary calls (what the Triple unary protocol can carry). */
export const UNARY_CASES: readonly CaseId[] = [
  'empty_unary',
  'large_unary',
  'custom_metadata',
  'status_code_and_message',
  'special_status_message',
  'unimplemented_method',
  'unimplemented_service',
  'client_compressed_unary',
  'server_compressed_unary',
];

export type Direction = 'server' | 'client';

export interface PeerDeclaration {
  /** Stable id, used in known-failing.md and in the results files. */
  readonly id: string;
  /** The foreign implementation, as a reader would name it. */
  readonly peer: string;
  /**
   * 'server': the peer is a client calling our TripleServer (Nest app);
   * 'client': our TripleClient calls the peer's server.
   */
  readonly direction: Direction;
  /** Wire protocol and options the calls use. */
  readonly protocol: string;
  /** Compiled spec file (under dist/test/interop/) that runs this peer's cases. */
  readonly spec: string;
  readonly cases: readonly CaseId[];
}

export const PEERS: readonly PeerDeclaration[] = [
  {
    id: 'grpc-js-client',
    peer: '@grpc/grpc-js client',
    direction: 'server',
    protocol: 'gRPC, proto, h2c',
    spec: 'grpc-js-client.interop.spec.js',
    cases: GRPC_CASES,
  },
  {
    id: 'connect-node-client',
    peer: '@connectrpc/connect-node client (gRPC transport)',
    direction: 'server',
    protocol: 'gRPC, proto, h2c',
    spec: 'connect-node-client.interop.spec.js',
    cases: GRPC_CASES,
  },
  {
    id: 'fetch-triple-json-h1',
    peer: 'fetch (Node undici)',
    direction: 'server',
    protocol: 'Triple unary, JSON, HTTP/1.1',
    spec: 'triple-http.interop.spec.js',
    cases: UNARY_CASES,
  },
  {
    id: 'curl-triple-json-h2c',
    peer: 'curl',
    direction: 'server',
    protocol: 'Triple unary, JSON, h2c',
    spec: 'triple-http.interop.spec.js',
    cases: UNARY_CASES,
  },
  {
    id: 'dubbo-node-client-triple-json-h1',
    peer: '@apachedubbo/dubbo-node client',
    direction: 'server',
    protocol: 'Triple unary, JSON, HTTP/1.1',
    spec: 'dubbo-node-client.interop.spec.js',
    cases: [...UNARY_CASES, 'dubbo_group_version'],
  },
  {
    id: 'dubbo-node-client-triple-proto-h2c',
    peer: '@apachedubbo/dubbo-node client',
    direction: 'server',
    protocol: 'Triple unary, proto, h2c',
    spec: 'dubbo-node-client.interop.spec.js',
    cases: [...UNARY_CASES, 'dubbo_group_version'],
  },
  {
    id: 'dubbo-node-client-grpc',
    peer: '@apachedubbo/dubbo-node client',
    direction: 'server',
    protocol: 'gRPC, proto, h2c',
    spec: 'dubbo-node-client.interop.spec.js',
    // dubbo-js sends tri-service-group/-version only on its Triple transport, so no dubbo_group_version here.
    cases: GRPC_CASES,
  },
  {
    id: 'grpc-js-server',
    peer: '@grpc/grpc-js server',
    direction: 'client',
    protocol: 'gRPC, proto, h2c',
    spec: 'triple-client-grpc-js-server.interop.spec.js',
    cases: GRPC_CASES,
  },
  {
    id: 'connect-node-server',
    peer: '@connectrpc/connect-node server (gRPC)',
    direction: 'client',
    protocol: 'gRPC, proto, h2c',
    spec: 'triple-client-connect-node-server.interop.spec.js',
    cases: GRPC_CASES,
  },
  {
    id: 'dubbo-node-server-triple-json-h2c',
    peer: '@apachedubbo/dubbo-node server',
    direction: 'client',
    protocol: 'Triple unary, JSON, h2c',
    spec: 'triple-client-dubbo-node-server.interop.spec.js',
    cases: [...UNARY_CASES, 'dubbo_group_version'],
  },
  {
    id: 'dubbo-node-server-triple-proto-h1',
    peer: '@apachedubbo/dubbo-node server',
    direction: 'client',
    protocol: 'Triple unary, proto, HTTP/1.1',
    spec: 'triple-client-dubbo-node-server.interop.spec.js',
    cases: [...UNARY_CASES, 'dubbo_group_version'],
  },
  {
    id: 'dubbo-node-server-grpc',
    peer: '@apachedubbo/dubbo-node server',
    direction: 'client',
    protocol: 'gRPC, proto, h2c',
    spec: 'triple-client-dubbo-node-server.interop.spec.js',
    cases: [...GRPC_CASES, 'dubbo_group_version'],
  },
];

export function findPeer(id: string): PeerDeclaration {
  const peer = PEERS.find((p) => p.id === id);
  if (!peer) throw new Error(`interop: no peer "${id}" in test/interop/harness/matrix.ts (known: ${PEERS.map((p) => p.id).join(', ')})`);
  return peer;
}
