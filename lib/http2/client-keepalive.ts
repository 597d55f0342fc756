import type { ClientHttp2Session } from 'node:http2';

export interface ClientKeepaliveSettings {
  /** PING interval, ms; 0 disables PINGs. */
  readonly timeMs: number;
  /** Wait for the ack, ms. */
  readonly timeoutMs: number;
  /** PING even while no call is active. */
  readonly permitWithoutCalls: boolean;
}

/**
 * Keepalive PINGs for one client session, as gRPC clients send them: every `timeMs` while at
 * least one call is active (or always, with `permitWithoutCalls`); an ack missing after
 * `timeoutMs` declares the peer dead. A peer that vanished silently is therefore noticed
 * within timeMs + timeoutMs, even in the middle of a long bidi stream where no byte is due.
 * Timers are unref'd: keepalive never holds a process open.
 */
export class ClientKeepalive {
  private interval: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  /**
   * @param activeCalls how many calls the session carries right now
   * @param onDead called once when an ack did not come back in time (the owner destroys the session)
   */
  constructor(
    private readonly session: ClientHttp2Session,
    private readonly settings: ClientKeepaliveSettings,
    private readonly activeCalls: () => number,
    private readonly onDead: () => void,
  ) {
    if (settings.timeMs > 0) {
      this.interval = setInterval(this.tick, settings.timeMs);
      this.interval.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.interval = this.ackTimer = undefined;
  }

  private readonly tick = (): void => {
    if (this.stopped || this.ackTimer || this.session.destroyed) return;
    if (!this.settings.permitWithoutCalls && this.activeCalls() === 0) return;
    this.ackTimer = setTimeout(this.expire, this.settings.timeoutMs);
    this.ackTimer.unref();
    try {
      const sent = this.session.ping((error) => {
        if (this.ackTimer) clearTimeout(this.ackTimer);
        this.ackTimer = undefined;
        // An error here means the session is going away; its own close handling reports it.
        void error;
      });
      if (!sent) this.expire(); // too many unacknowledged PINGs already
    } catch {
      this.expire();
    }
  };

  private readonly expire = (): void => {
    if (this.stopped) return;
    this.stop();
    this.onDead();
  };
}
