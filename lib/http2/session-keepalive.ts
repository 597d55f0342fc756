import type { Http2Session } from 'node:http2';

/**
 * Sends a PING on an interval and destroys the session when an ack does not come back in
 * time, so a peer that vanished (cable pulled, process frozen) does not hold streams forever.
 */
export class SessionKeepalive {
  private interval: NodeJS.Timeout | undefined;
  private awaitingAck: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: Http2Session,
    intervalMs: number,
    private readonly timeoutMs: number,
  ) {
    if (intervalMs > 0) {
      this.interval = setInterval(() => this.ping(), intervalMs);
      this.interval.unref();
    }
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    if (this.awaitingAck) clearTimeout(this.awaitingAck);
    this.interval = this.awaitingAck = undefined;
  }

  private ping(): void {
    if (this.awaitingAck || this.session.destroyed || this.session.closed) return;
    this.awaitingAck = setTimeout(() => this.session.destroy(), this.timeoutMs);
    this.awaitingAck.unref();
    try {
      this.session.ping((err) => {
        if (this.awaitingAck) clearTimeout(this.awaitingAck);
        this.awaitingAck = undefined;
        if (err && !this.session.destroyed) this.session.destroy();
      });
    } catch {
      this.session.destroy();
    }
  }
}
