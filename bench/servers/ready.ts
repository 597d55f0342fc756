/** Tells the bench runner (our parent) that the server listens. */
export function announceReady(name: string, port: number): void {
  process.stdout.write(`${JSON.stringify({ ready: true, server: name, port, pid: process.pid })}\n`);
}
