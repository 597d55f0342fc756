/** Listener-level defences: connection count, first-bytes timeout, HTTP/1.1 read timeouts. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { HttpServerOptions } from './server-options.js';

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

/** How often node checks the header/request timeouts: a fraction of the shortest one, 50 ms to 1 s. */
function checkingInterval(headersTimeoutMs: number, requestTimeoutMs: number): number {
  const shortest = Math.min(headersTimeoutMs || Infinity, requestTimeoutMs || Infinity);
  return Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
}

/**
 * The HTTP/1.1 half of the port, with the slowloris defences: a client must send its request
 * headers within `headersTimeoutMs` and the whole request within `requestTimeoutMs` (node answers
 * 408 and closes), and an idle keep-alive connection closes after `keepAliveTimeoutMs`. The
 * time a handler takes to answer is not limited here (that is the call's deadline).
 */
export function createHttp1Server(options: HttpServerOptions, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = options.http1;
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderListSize,
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingInterval(headersTimeoutMs, requestTimeoutMs),
    },
    onRequest,
  );
  // Connections reach this server through emit('connection') from our own listener, so it never
  // listens itself; node starts the timeout checker (and connection tracking) on 'listening'.
  server.emit('listening');
  return server;
}

/** Closes idle connections and stops the timeout checker of a server made by {@link createHttp1Server}. */
export function stopHttp1Server(server: Server): void {
  server.close();
}
