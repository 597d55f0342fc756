import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { ClientTlsOptions } from '../core/client-options.js';
import type { ClientTarget } from '../core/client-target.js';
import type { TripleError } from '../core/triple-error.js';
import { createEndpoint, type Endpoint } from './connect-session.js';
import { connectionError } from './h2-error.js';

/** node:dns lookup with `all: true`, injectable for tests. */
export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const defaultLookup: LookupAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** The outcome of one resolution: whatever resolved, plus the first failure (if any). */
export interface Resolution {
  readonly endpoints: readonly Endpoint[];
  readonly error: TripleError | undefined;
}

/**
 * Turns configured targets into endpoints. IP targets are used as written; `host:port` targets
 * stay one endpoint resolved by the OS at connect time (gRPC's `passthrough`-like behavior for
 * people who give one name); `dns:///name:port` targets expand to every address of the name
 * (getaddrinfo via node:dns lookup, so /etc/hosts and the OS cache apply, as grpc-js does),
 * which the load balancer spreads calls over. Duplicates collapse to one endpoint.
 */
export class AddressResolver {
  readonly hasDnsTargets: boolean;

  constructor(
    private readonly targets: readonly ClientTarget[],
    private readonly tls: ClientTlsOptions | undefined,
    private readonly lookup: LookupAll = defaultLookup,
  ) {
    this.hasDnsTargets = targets.some((t) => t.kind === 'dns');
  }

  async resolve(): Promise<Resolution> {
    const results = await Promise.all(this.targets.map((target) => this.resolveTarget(target)));
    const endpoints: Endpoint[] = [];
    const seen = new Set<string>();
    let error: TripleError | undefined;
    for (const result of results) {
      if ('error' in result) {
        error ??= result.error;
        continue;
      }
      for (const endpoint of result.endpoints) {
        if (seen.has(endpoint.key)) continue;
        seen.add(endpoint.key);
        endpoints.push(endpoint);
      }
    }
    return { endpoints, error };
  }

  private async resolveTarget(target: ClientTarget): Promise<{ endpoints: Endpoint[] } | { error: TripleError }> {
    if (target.kind !== 'dns') {
      return { endpoints: [createEndpoint(target.host, target.port, target.authority, target.host, this.tls)] };
    }
    try {
      const addresses = await this.lookup(target.host);
      if (addresses.length === 0) return { error: connectionError(`DNS lookup of ${target.host} returned no address`) };
      return { endpoints: addresses.map((a) => createEndpoint(a.address, target.port, target.authority, target.host, this.tls)) };
    } catch (e) {
      return { error: connectionError(`DNS lookup of ${target.host} failed`, e) };
    }
  }
}
