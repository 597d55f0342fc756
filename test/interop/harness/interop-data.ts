import { join } from 'node:path';

/** The grpc/grpc interop protos, shipped unchanged (license headers kept) as test fixtures. */
export const GRPC_TESTING_DIR = join(process.cwd(), 'test/fixtures/grpc-testing');
/** Relative to {@link GRPC_TESTING_DIR}, as test.proto's own imports are. */
export const TEST_PROTO = 'src/proto/grpc/testing/test.proto';
export const TEST_PROTO_PATH = join(GRPC_TESTING_DIR, TEST_PROTO);

export const TEST_SERVICE = 'grpc.testing.TestService';
export const UNIMPLEMENTED_SERVICE = 'grpc.testing.UnimplementedService';

/** Sizes of the interop descriptions. */
export const LARGE_REQUEST = 271_828;
export const LARGE_RESPONSE = 314_159;
export const CLIENT_STREAMING_SIZES = [27_182, 8, 1_828, 45_904] as const;
export const CLIENT_STREAMING_TOTAL = 74_922;
export const SERVER_STREAMING_SIZES = [31_415, 9, 2_653, 58_979] as const;
export const PING_PONG_REQUEST_SIZES = [27_182, 8, 1_828, 45_904] as const;
export const COMPRESSED_STREAMING_TOTAL = 73_086;

export const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
export const ECHO_INITIAL_VALUE = 'test_initial_metadata_value';
export const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';
export const ECHO_TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab]);

/** The Dubbo group and version under which the servers register TestService a second time. */
export const DUBBO_GROUP = 'interop';
export const DUBBO_VERSION = '1.0.0';

export const STATUS_MESSAGE = 'test status message';
/** special_status_message, byte for byte. */
export const SPECIAL_STATUS_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \u{1F608}\t\n';

/**
 * timeout_on_sleeping_server's server-side step uses a 300 ms deadline and then stalls the
 * uplink this long, so the server's own deadline fires well before the client's RST_STREAM
 * reaches it, even on a loaded machine.
 */
export const SLEEPING_DEADLINE_MS = 300;
export const UPLINK_HOLD_MS = 1000;

export function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}

/** Asserts a payload body is `n` zero bytes (the interop "golden" check). */
export function isZeros(body: Uint8Array | undefined | null, n: number): boolean {
  if (n === 0) return body === undefined || body === null || body.length === 0;
  if (!body || body.length !== n) return false;
  for (let i = 0; i < body.length; i++) if (body[i] !== 0) return false;
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** gRPC status codes used by the cases (numbers, so every library's enum compares). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  UNIMPLEMENTED: 12,
} as const;

/** The documented gaps (ids used in known-failing.md). */
export const GAPS = {
  /** The server cannot see whether a request message was compressed. */
  requestCompressionVisibility: 'request-compression-visibility',
  /** The server cannot choose, per call or message, whether its responses are compressed. */
  responseCompressionControl: 'response-compression-control',
  /**
   * A client's RST_STREAM on a call whose request stream is still open reaches the handler as a
   * normal end of the request stream (node:http2 emits 'end' before 'close'), so the handler
   * completes instead of being aborted.
   */
  cancelReadsAsHalfClose: 'cancel-reads-as-half-close',
  /** The client cannot choose compression per message. */
  perMessageRequestCompression: 'per-message-request-compression',
} as const;
