import type { CallScope } from './call-scope.js';
import type { Codec, CodecName } from './codec.js';
import type { Compression } from './compression.js';
import { Metadata } from './metadata.js';
import type { ServerCall } from './server-call.js';
import type { ResponseMetadataHolder } from './server-call-context.js';
import type { ServerHandlerOptions } from './server-options.js';

/**
 * What every protocol's responder holds for one call: the call, the negotiated codec and
 * compression, the server's limits, the scope it ends with the final status, and the response
 * metadata a handler sets (created on first use: most calls set none).
 */
export abstract class ResponderBase implements ResponseMetadataHolder {
  /** The call's scope, ended with the final status (aborted on errors). */
  scope: CallScope | undefined;
  protected header: Metadata | undefined;
  protected trailer: Metadata | undefined;

  /**
   * @param compression the negotiated response compression, or null for identity
   * @param limits the server's handler options (write limits, buffering, compressions)
   */
  constructor(
    protected readonly call: ServerCall,
    protected readonly codecName: CodecName,
    protected readonly codec: Codec,
    protected readonly compression: Compression | null,
    protected readonly limits: ServerHandlerOptions,
  ) {}

  /** Response headers a handler adds (ctx.responseHeader). */
  get responseHeader(): Metadata {
    return (this.header ??= new Metadata());
  }

  /** Response trailers a handler adds (ctx.responseTrailer). */
  get responseTrailer(): Metadata {
    return (this.trailer ??= new Metadata());
  }

  abstract get headersSent(): boolean;
}
