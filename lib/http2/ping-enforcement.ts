import type { Http2Session } from 'node:http2';
import type { ServerKeepaliveOptions } from './server-options.js';

/** Without calls (and without permitWithoutCalls) a client may PING once per 2 h, as in gRPC. */
const PING_INTERVAL_WITHOUT_CALLS_MS = 2 * 60 * 60 * 1000;
/**
 * Bytes the server may write between two client PINGs and still count as "sent nothing": the
 * previous PING's ack (17 bytes) and a SETTINGS ack (9). More means data, headers or window
 * updates went out: the connection is in use. (`bytesWritten` counts HTTP/2 bytes, before TLS.)
 */
const CONTROL_ONLY_BYTES = 26;

/**
 * gRPC's keepalive enforcement policy on one server session. A client PING that arrives sooner
 * than `minPingIntervalMs` after the previous one (2 h when the connection has no calls and
 * `permitWithoutCalls` is off), while the server sent nothing but control frames in between, is
 * a strike; more than `maxPingStrikes` strikes and `onViolation` closes the connection with
 * GOAWAY ENHANCE_YOUR_CALM "too_many_pings", which gRPC clients answer by slowing down.
 */
export class PingEnforcement {
  private strikes = 0;
  private lastPingAt = -Infinity;
  private writtenAtLastPing = 0;

  constructor(
    private readonly session: Http2Session,
    private readonly policy: Required<Pick<ServerKeepaliveOptions, 'minPingIntervalMs' | 'permitWithoutCalls' | 'maxPingStrikes'>>,
    private readonly activeCalls: () => number,
    private readonly onViolation: () => void,
  ) {
    session.on('ping', this.onPing);
  }

  stop(): void {
    this.session.off('ping', this.onPing);
  }

  private readonly onPing = (): void => {
    const now = performance.now();
    const written = this.session.socket?.bytesWritten ?? 0;
    const sentSomething = written - this.writtenAtLastPing > CONTROL_ONLY_BYTES;
    const sinceLast = now - this.lastPingAt;
    this.lastPingAt = now;
    this.writtenAtLastPing = written;
    if (sentSomething) {
      // Data or headers went out since the last PING: the connection is in use, start over.
      this.strikes = 0;
      return;
    }
    const idle = this.activeCalls() === 0 && !this.policy.permitWithoutCalls;
    const minInterval = idle ? Math.max(PING_INTERVAL_WITHOUT_CALLS_MS, this.policy.minPingIntervalMs) : this.policy.minPingIntervalMs;
    if (sinceLast < minInterval && ++this.strikes > this.policy.maxPingStrikes) {
      this.stop();
      this.onViolation();
    }
  };
}
