import type { ServiceKey } from '../core/call-context.js';
import { Code } from '../core/code.js';
import type { MethodDescriptor } from '../core/method-descriptor.js';
import type { MethodHandler } from '../core/method-handler.js';
import type { ResolvedRoute } from '../core/route.js';
import { TripleError } from '../core/triple-error.js';

interface RegisteredHandler {
  readonly key: ServiceKey;
  readonly handler: MethodHandler;
}

interface RouteEntry {
  readonly method: MethodDescriptor;
  readonly handlers: RegisteredHandler[];
  /** The route of requests without group/version (almost all), resolved once. */
  unkeyed?: ResolvedRoute;
}

/** The service key of a request that names no group or version; shared, so frozen. */
export const NO_SERVICE_KEY: ServiceKey = Object.freeze({ group: undefined, version: undefined });

/**
 * Maps `/{package.Service}/{Method}` plus Dubbo's group/version to a handler.
 * Matching rule: a handler matches when every group/version it was registered with equals the
 * request's; among matches the most specific wins. So an exact group+version handler beats a
 * group-only one, which beats one registered without either — and a handler registered without
 * group/version also serves Dubbo consumers that send them (Java sends a version by default).
 */
export class Router {
  private readonly routes = new Map<string, RouteEntry>();
  private readonly services = new Set<string>();

  constructor(methods: readonly MethodDescriptor[]) {
    for (const method of methods) {
      this.routes.set(method.path, { method, handlers: [] });
      this.services.add(method.service);
    }
  }

  /** Throws when the same method is registered twice for the same group/version. */
  register(method: MethodDescriptor, handler: MethodHandler, key: ServiceKey = {}): void {
    const entry = this.routes.get(method.path);
    if (!entry) throw new Error(`no method ${method.path} in the loaded protos`);
    const clash = entry.handlers.find((h) => h.key.group === key.group && h.key.version === key.version);
    if (clash) throw new Error(`${method.path} has two handlers for ${describeKey(key)}`);
    entry.handlers.push({ key, handler });
    entry.unkeyed = undefined;
  }

  /** Proto methods that no handler serves (they answer UNIMPLEMENTED). */
  unhandledMethods(): MethodDescriptor[] {
    return [...this.routes.values()].filter((e) => e.handlers.length === 0).map((e) => e.method);
  }

  /** Finds the method for a request path, tolerating Java's lower-case first letter of the method. */
  findMethod(path: string): MethodDescriptor | undefined {
    return this.entryFor(path)?.method;
  }

  resolve(path: string, key: ServiceKey): ResolvedRoute | TripleError {
    const entry = this.entryFor(path);
    if (!entry) return this.missingRoute(path);
    if (key.group !== undefined || key.version !== undefined) return this.pick(entry, key);
    if (entry.unkeyed) return entry.unkeyed;
    // Errors are not cached: each request gets its own TripleError.
    const route = this.pick(entry, NO_SERVICE_KEY);
    if (!(route instanceof TripleError)) entry.unkeyed = route;
    return route;
  }

  private pick(entry: RouteEntry, key: ServiceKey): ResolvedRoute | TripleError {
    let best: RegisteredHandler | undefined;
    let bestScore = -1;
    for (const candidate of entry.handlers) {
      const score = matchScore(candidate.key, key);
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    if (!best) {
      if (entry.handlers.length === 0) return new TripleError(Code.UNIMPLEMENTED, `method ${entry.method.path} is not implemented`);
      return new TripleError(Code.UNIMPLEMENTED, `no implementation of ${entry.method.path} for ${describeKey(key)}`);
    }
    return { method: entry.method, handler: best.handler, serviceKey: key };
  }

  private entryFor(path: string): RouteEntry | undefined {
    const exact = this.routes.get(path);
    if (exact) return exact;
    const slash = path.lastIndexOf('/');
    const first = path.charCodeAt(slash + 1);
    if (slash <= 0 || first < 97 || first > 122) return undefined;
    return this.routes.get(path.slice(0, slash + 1) + path[slash + 1]!.toUpperCase() + path.slice(slash + 2));
  }

  private missingRoute(path: string): TripleError {
    const parts = path.split('/');
    if (parts.length !== 3 || parts[0] !== '') return new TripleError(Code.UNIMPLEMENTED, `malformed path "${path}": expected /package.Service/Method`);
    if (!this.services.has(parts[1]!)) return new TripleError(Code.UNIMPLEMENTED, `unknown service ${parts[1]}`);
    return new TripleError(Code.UNIMPLEMENTED, `unknown method ${parts[2]} in service ${parts[1]}`);
  }
}

/** -1 when the handler cannot serve the key; otherwise how many of group/version it pins. */
function matchScore(registered: ServiceKey, requested: ServiceKey): number {
  let score = 0;
  if (registered.group) {
    if (registered.group !== requested.group) return -1;
    score += 2;
  }
  if (registered.version) {
    if (registered.version !== requested.version) return -1;
    score += 1;
  }
  return score;
}

function describeKey(key: ServiceKey): string {
  return `group "${key.group ?? ''}" and version "${key.version ?? ''}"`;
}
