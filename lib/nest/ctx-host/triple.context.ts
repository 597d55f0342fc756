import { BaseRpcContext } from '@nestjs/microservices';
import type { CallContext, ProtocolName } from '../../core/call-context.js';
import type { Metadata, MetadataValue } from '../../core/metadata.js';

/**
 * The per-call context a Triple handler receives as its second argument (`@Ctx()`, or by default
 * without parameter decorators) and that guards and interceptors read through
 * `context.switchToRpc().getContext()`. It is a real BaseRpcContext, like TcpContext or
 * KafkaContext, rather than grpc-js' bare Metadata: it gives handlers what Nest's gRPC transport
 * hides from them - the cancel signal, the deadline, response headers and trailers - and
 * `getArgs()[0]` is the protocol-level CallContext for anything not covered here.
 */
export class TripleContext extends BaseRpcContext<[CallContext]> {
  constructor(call: CallContext) {
    super([call]);
  }

  /** The protocol-level call this context wraps. */
  getCallContext(): CallContext {
    return this.args[0];
  }

  /** Request metadata: user headers, protocol headers removed, `-bin` values as Buffers. */
  getMetadata(): Metadata {
    return this.args[0].requestMetadata;
  }

  /** Same as {@link getMetadata}, for property-style access. */
  get metadata(): Metadata {
    return this.args[0].requestMetadata;
  }

  /**
   * Request metadata as a plain `Record<string, string>`, the shape of Nest 12's packet metadata
   * (`ReadPacket.metadata`, set by a client's `setOnDispatchHook`, read by TcpContext's
   * `getMetadata()`), so trace/tenant propagation code written for other transports works here.
   * Binary (`-bin`) entries are left out; repeated keys are joined with `, ` as HTTP joins them.
   * A fresh object each call, so it always reflects the current metadata.
   */
  getPacketMetadata(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, values] of this.args[0].requestMetadata.entries()) {
      if (key.endsWith('-bin')) continue;
      out[key] = (values as string[]).join(', ');
    }
    return out;
  }

  /**
   * Aborted when the client cancels, the deadline passes or the server shuts down; `reason` is a
   * TripleError (CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE). Pass it to fetch, database drivers
   * or `sleep`s so abandoned calls stop working - Nest's gRPC transport never cancels unary calls.
   */
  get signal(): AbortSignal {
    return this.args[0].signal;
  }

  /** When the caller stops waiting, or undefined if it set no timeout. */
  get deadline(): Date | undefined {
    const deadline = this.args[0].deadline;
    return deadline === undefined ? undefined : new Date(deadline);
  }

  /** Same as {@link deadline}. */
  getDeadline(): Date | undefined {
    return this.deadline;
  }

  /** `address:port` of the client. */
  get peer(): string {
    return this.args[0].peer;
  }

  /** Package-qualified service name, e.g. `hero.v1.HeroService`. */
  get service(): string {
    return this.args[0].method.service;
  }

  /** Proto method name, e.g. `FindOne`. */
  get method(): string {
    return this.args[0].method.name;
  }

  /** Which wire protocol carried the call: 'grpc' or 'triple'. */
  get protocol(): ProtocolName {
    return this.args[0].protocol;
  }

  /** Dubbo group the client asked for (`tri-service-group`), if any. */
  get group(): string | undefined {
    return this.args[0].serviceKey.group;
  }

  /** Dubbo version the client asked for (`tri-service-version`), if any. */
  get version(): string | undefined {
    return this.args[0].serviceKey.version;
  }

  /** HTTP version of the connection: '2', or '1.1' for Triple unary over HTTP/1.1. */
  get httpVersion(): '1.1' | '2' {
    return this.args[0].httpVersion;
  }

  /**
   * Sets a response header (replacing earlier values). Headers leave with the first response
   * message, so setting one afterwards is a bug this reports instead of silently dropping it.
   */
  setHeader(key: string, value: MetadataValue): this {
    const call = this.args[0];
    if (call.headersSent) {
      throw new Error(`TripleContext.setHeader("${key}"): response headers of ${call.method.path} were already sent; use setTrailer() or set headers before the first response message`);
    }
    call.responseHeader.set(key, value);
    return this;
  }

  /** Sets a response trailer (replacing earlier values), sent when the call ends, with the status. */
  setTrailer(key: string, value: MetadataValue): this {
    this.args[0].responseTrailer.set(key, value);
    return this;
  }
}
