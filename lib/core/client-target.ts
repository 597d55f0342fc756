import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * How a target's host becomes socket addresses:
 * - `ip`: a literal IPv4/IPv6 address, used as is;
 * - `host`: a host name handed to the OS resolver at connect time (one address at a time);
 * - `dns`: `dns:///name:port` — every address of the name is resolved up front (node:dns
 *   lookup with `all: true`) and load-balanced; the name is resolved again on reconnects.
 */
export type TargetKind = 'ip' | 'host' | 'dns';

/** One parsed entry of `url` / `urls`. */
export interface ClientTarget {
  readonly kind: TargetKind;
  /** Host without brackets: `127.0.0.1`, `::1`, `echo.internal`. */
  readonly host: string;
  readonly port: number;
  /** The `:authority` to send (`host:port`, IPv6 in brackets), as gRPC does for its targets. */
  readonly authority: string;
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$/;

/**
 * Parses a target in gRPC's naming syntax (doc/naming.md) restricted to what a Node client
 * needs: `host:port`, `[v6]:port`, `dns:///host:port` and `dns:host:port`. The port is required,
 * so a typo never silently dials a default port.
 */
export function parseClientTarget(input: string): { value: ClientTarget } | { error: TripleError } {
  const text = input.trim();
  let rest = text;
  let dns = false;
  if (rest.startsWith('dns:')) {
    dns = true;
    rest = rest.slice(4);
    if (rest.startsWith('//')) {
      // dns://[authority]/host:port — a custom DNS server authority is not supported.
      const slash = rest.indexOf('/', 2);
      if (slash !== 2) return invalid(text, 'a DNS server authority (dns://server/...) is not supported; use dns:///host:port');
      rest = rest.slice(3);
    }
  }
  let host: string;
  let portText: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') return invalid(text, 'expected [ipv6]:port');
    host = rest.slice(1, close);
    portText = rest.slice(close + 2);
    if (!host.includes(':')) return invalid(text, 'brackets are only for IPv6 addresses');
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon <= 0 || rest.indexOf(':') !== colon) return invalid(text, 'expected host:port');
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return invalid(text, 'the port must be 1..65535');
  }
  const port = Number(portText);
  const isIp = IPV4.test(host) || host.includes(':');
  if (!isIp && !HOST_NAME.test(host)) return invalid(text, `"${host}" is not a valid host name`);
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const kind: TargetKind = isIp ? 'ip' : dns ? 'dns' : 'host';
  return { value: { kind, host, port, authority } };
}

function invalid(text: string, why: string): { error: TripleError } {
  return { error: new TripleError(Code.INVALID_ARGUMENT, `invalid client url "${text}": ${why}`) };
}
