import type { ClientTransportOptions } from '../../core/client-options.js';
import type { ClientTransport } from '../../core/client-transport.js';
import { resolveClientOptions } from '../../core/resolve-client-options.js';
import { AddressResolver } from '../../http2/address-resolver.js';
import { Http1Connector } from '../../http2/h1-client.js';
import { Http2LoadBalancer } from '../../http2/load-balancer.js';
import { TripleClientTransport } from '../../protocol/triple-client-transport.js';

/**
 * The client composition root: validates the options once, builds the node:http2 connector
 * (and the HTTP/1.1 one when Triple unary calls use HTTP/1.1) from lib/http2, and hands them
 * to the protocol-level transport, which only knows the core ClientConnector interface.
 *
 * It lives in lib/nest because that is the only layer allowed to see lib/protocol and lib/http2
 * together (test/architecture.spec.ts): lib/protocol's TripleClientTransport speaks to sockets
 * only through the core ClientConnector interface, lib/http2 implements it without knowing any
 * protocol, and this small factory — no Nest or RxJS import — plugs one into the other. Plain
 * Node users call it directly; TripleClient calls it for each client.
 *
 * One transport per target: every service and call shares its connections (one HTTP/2 session
 * per address; a second only when the peer's stream limit is reached).
 */
export function createClientTransport(options: ClientTransportOptions = {}): ClientTransport {
  const resolved = resolveClientOptions(options);
  const resolver = new AddressResolver(resolved.targets, resolved.tls);
  const http2 = new Http2LoadBalancer(resolver, resolved.loadBalancing, {
    tls: resolved.tls,
    connectTimeoutMs: resolved.connectTimeoutMs,
    keepalive: resolved.keepalive,
    reconnectBackoff: resolved.reconnectBackoff,
  });
  const http1 = resolved.protocol === 'triple' && resolved.httpVersion === '1.1'
    ? new Http1Connector(resolver, {
      tls: resolved.tls,
      loadBalancing: resolved.loadBalancing,
      reconnectBackoff: resolved.reconnectBackoff,
      idleTimeoutMs: resolved.keepalive.idleTimeoutMs,
      connectTimeoutMs: resolved.connectTimeoutMs,
    })
    : undefined;
  return new TripleClientTransport(resolved, { http2, http1 });
}
