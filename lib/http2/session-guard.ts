import { constants, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { PingEnforcement } from './ping-enforcement.js';
import type { HttpServerOptions } from './server-options.js';
import { SessionKeepalive } from './session-keepalive.js';

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = constants;

/** How long a calmed connection is drained (read and discarded) before its socket is destroyed. */
const CALM_LINGER_MS = 500;

/** Why a session was closed for abuse; sent as GOAWAY debug data, as grpc-go does for PINGs. */
export type CalmReason = 'too_many_pings' | 'too_many_resets' | 'too_many_settings' | 'too_many_small_frames';

/**
 * DATA frames with less payload than this count as "small" for maxSmallDataFramesPerSecond.
 * Each DATA frame costs the server a round trip into JavaScript whatever its size, so a peer
 * that fragments its messages into tiny frames makes the server burn CPU per byte.
 */
export const SMALL_DATA_FRAME_BYTES = 64;

/**
 * The per-connection defences of the HTTP/2 server, beside node:http2's own limits:
 * - rapid reset (CVE-2023-44487): streams the client resets are counted in a token bucket;
 *   past it the session gets GOAWAY ENHANCE_YOUR_CALM (before nghttp2's own, later limit,
 *   which would answer INTERNAL_ERROR);
 * - SETTINGS flood: the same, per second;
 * - PING abuse: gRPC's keepalive enforcement ({@link PingEnforcement});
 * - idle connections: GOAWAY NO_ERROR after `maxConnectionIdleMs` without a call;
 * - dead peers: server keepalive PINGs ({@link SessionKeepalive}).
 */
export class SessionGuard {
  private active = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly resets: TokenBucket;
  private readonly settings: TokenBucket;
  private readonly smallFrames: TokenBucket;
  private readonly pings: PingEnforcement;
  private readonly keepalive: SessionKeepalive;
  private calmed = false;

  /**
   * @param socket the connection's own socket (node's `session.socket` is a proxy that throws
   *   once the session is destroyed, so the owner passes the real one in)
   */
  constructor(
    private readonly session: Http2Session,
    private readonly socket: Socket | undefined,
    private readonly options: HttpServerOptions,
    private readonly onAbuse?: (reason: CalmReason) => void,
  ) {
    const { http2, keepalive } = options;
    this.resets = new TokenBucket(http2.streamResetBurst, http2.streamResetRate);
    this.settings = new TokenBucket(http2.maxSettingsFramesPerSecond, http2.maxSettingsFramesPerSecond);
    this.smallFrames = new TokenBucket(http2.maxSmallDataFramesPerSecond, http2.maxSmallDataFramesPerSecond);
    this.pings = new PingEnforcement(session, keepalive, () => this.active, () => this.calm('too_many_pings'));
    this.keepalive = new SessionKeepalive(session, keepalive.timeMs, keepalive.timeoutMs);
    session.on('remoteSettings', this.onSettings);
    this.armIdle();
  }

  /** Number of streams open on the session. */
  get activeStreams(): number {
    return this.active;
  }

  /**
   * Tracks one request stream: the session is busy until it closes. The stream's owner reports
   * the close through {@link onStreamClosed} (one 'close' listener per stream, not two).
   */
  onStream(stream: ServerHttp2Stream): void {
    this.active++;
    this.disarmIdle();
    this.countSmallFrames(stream);
  }

  onStreamClosed(stream: ServerHttp2Stream): void {
    this.active--;
    const code = stream.rstCode;
    // A reset the peer sent (or asked for) while the session itself is healthy.
    if (code !== undefined && code !== NGHTTP2_NO_ERROR && !this.session.destroyed && !this.session.closed && !this.resets.take()) {
      this.calm('too_many_resets');
      return;
    }
    if (this.active === 0) this.armIdle();
  }

  stop(): void {
    this.disarmIdle();
    this.pings.stop();
    this.keepalive.stop();
    this.session.off('remoteSettings', this.onSettings);
  }

  /**
   * GOAWAY ENHANCE_YOUR_CALM with `reason` as debug data, then the session is terminated at once
   * (nghttp2 stops answering the flood: no more PING acks, no new streams). The socket is ended
   * gracefully and drained for a moment rather than destroyed: closing it with the flooder's
   * bytes unread would make the kernel send a TCP RST that can overtake the GOAWAY.
   */
  private calm(reason: CalmReason): void {
    if (this.calmed || this.session.destroyed) return;
    this.calmed = true;
    this.stop();
    this.onAbuse?.(reason);
    const socket = this.socket;
    try {
      this.session.goaway(NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from(reason));
      // Marks the session closed, so node ends the socket and keeps reading (discarding) instead of destroying it.
      this.session.close();
    } catch {
      // Already going away: terminating below is all that is left.
    }
    // An explicit code makes node's final GOAWAY repeat ENHANCE_YOUR_CALM (the default: INTERNAL_ERROR).
    if (!this.session.destroyed) this.session.destroy(new Error(`HTTP/2 session closed: ${reason}`), NGHTTP2_ENHANCE_YOUR_CALM);
    setTimeout(() => socket?.destroy(), CALM_LINGER_MS).unref();
  }

  /**
   * node:http2 pushes each DATA frame's payload into the stream separately and offers no per-frame
   * event, so the stream's own `push` is replaced (an instance property, nothing global) to see
   * them. The replacement is shared by the session's streams and calls the prototype's push,
   * which every ServerHttp2Stream has (node never sets its own per stream).
   */
  private countSmallFrames(stream: ServerHttp2Stream): void {
    this.originalPush ??= stream.push;
    stream.push = this.countingPush;
  }

  private originalPush: ServerHttp2Stream['push'] | undefined;

  private readonly countingPush = ((guard: SessionGuard) =>
    function (this: ServerHttp2Stream, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (chunk instanceof Uint8Array && chunk.byteLength < SMALL_DATA_FRAME_BYTES && !guard.smallFrames.take()) {
        guard.calm('too_many_small_frames');
      }
      return guard.originalPush!.call(this, chunk, encoding);
    })(this);

  private readonly onSettings = (): void => {
    if (!this.settings.take()) this.calm('too_many_settings');
  };

  private armIdle(): void {
    const ms = this.options.maxConnectionIdleMs;
    if (ms <= 0 || this.idleTimer || this.session.closed || this.session.destroyed) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.active === 0 && !this.session.closed && !this.session.destroyed) this.session.close();
    }, ms);
    this.idleTimer.unref();
  }

  private disarmIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/**
 * A token bucket: up to `burst` events at once, refilled at `ratePerSecond`. Used to tell a
 * client that occasionally cancels or re-sends SETTINGS from one that floods them.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty (the limit is exceeded). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
