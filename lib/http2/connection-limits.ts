import type { Server as NetServer, Socket } from 'node:net';

/**
 * Connection-level limits of the listener: at most `maxConnections` open at once (node's
 * `server.maxConnections` drops the excess on accept), and a cleartext connection that sends
 * nothing within `handshakeTimeoutMs` is closed (TLS uses the tls server's `handshakeTimeout`).
 */
export function limitConnections(listener: NetServer, maxConnections: number): void {
  listener.maxConnections = maxConnections;
}

/**
 * Calls `onFirstBytes` with the first chunk a socket sends (put back, unread), or destroys the
 * socket if none arrives within `timeoutMs`. Used to tell HTTP/2 from HTTP/1.1 on one port.
 */
export function awaitFirstBytes(socket: Socket, timeoutMs: number, onFirstBytes: (head: Buffer) => void): void {
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref();
  const onClose = (): void => clearTimeout(timer);
  socket.once('close', onClose);
  const read = (): void => {
    const head: Buffer | null = socket.read();
    if (head === null) {
      if (!socket.destroyed) socket.once('readable', read);
      return;
    }
    clearTimeout(timer);
    socket.off('close', onClose);
    socket.unshift(head);
    onFirstBytes(head);
  };
  socket.once('readable', read);
}
