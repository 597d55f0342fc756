import { RpcException } from '@nestjs/microservices';
import type { Code } from '../../core/code.js';
import { Metadata, type MetadataValue } from '../../core/metadata.js';
import { TripleError, type ErrorDetail } from '../../core/triple-error.js';

/** Extra parts of a {@link TripleException} besides code and message. */
export interface TripleExceptionOptions {
  /** google.rpc.Status details (packed Any messages), sent in `grpc-status-details-bin`. */
  details?: ErrorDetail[];
  /** Sent with the error: gRPC trailers, Triple unary response headers. */
  metadata?: Metadata | Record<string, MetadataValue | MetadataValue[]>;
  cause?: unknown;
}

/**
 * The exception Nest handlers throw to answer with a specific status code. It extends
 * RpcException so Nest's exception-filter chain treats it as an intended RPC error (no
 * "Internal server error" swallowing, no error log), and user `@Catch(RpcException)` filters
 * see it. `getError()` returns the exception itself: BaseRpcExceptionFilter rethrows whatever
 * `getError()` returns when it is an object, so the transport receives this instance with its
 * code, details and metadata intact instead of a lossy `{status, message}` object.
 */
export class TripleException extends RpcException {
  readonly code: Code;
  readonly details: ErrorDetail[];
  readonly metadata: Metadata;

  constructor(code: Code, message: string, options: TripleExceptionOptions = {}) {
    super(message);
    this.name = 'TripleException';
    this.code = code;
    this.details = options.details ?? [];
    this.metadata = options.metadata instanceof Metadata ? options.metadata : new Metadata(options.metadata);
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, writable: true, configurable: true, enumerable: false });
    }
  }

  /** Returns `this` so BaseRpcExceptionFilter passes the exception object itself to the transport. */
  override getError(): TripleException {
    return this;
  }

  /** The core error the protocols write: same code, message, details and metadata. */
  toTripleError(): TripleError {
    return new TripleError(this.code, this.message, { details: this.details, metadata: this.metadata, cause: this });
  }

  /**
   * Wraps a core error (e.g. the AbortSignal reason of a cancelled call, or a status returned by
   * an upstream Triple client) so a handler can rethrow it through Nest's filters unchanged.
   */
  static fromTripleError(error: TripleError): TripleException {
    return new TripleException(error.code, error.rawMessage, { details: error.details, metadata: error.metadata, cause: error });
  }
}
