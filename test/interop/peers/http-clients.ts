import { spawn } from 'node:child_process';

/** One HTTP exchange as a plain HTTP client saw it: status, headers (lower-case names), raw body. */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** 'HTTP/1.1' or 'HTTP/2', as the client reports it. */
  httpVersion: string;
}

export type HttpPost = (url: string, body: Buffer, headers: Record<string, string>) => Promise<HttpResult>;

/**
 * POST with Node's fetch (undici, HTTP/1.1). `accept-encoding: identity` unless the caller sets
 * one. fetch undoes a gzip/deflate content-encoding itself, so `body` is the decoded body while
 * `headers['content-encoding']` still tells how it came on the wire.
 */
export const fetchPost: HttpPost = async (url, body, headers) => {
  const response = await fetch(url, { method: 'POST', body, headers: { 'accept-encoding': 'identity', ...headers } });
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => (out[key] = value));
  return { status: response.status, headers: out, body: Buffer.from(await response.arrayBuffer()), httpVersion: 'HTTP/1.1' };
};

/**
 * POST with the curl binary over h2c (HTTP/2 with prior knowledge), body on stdin. curl never
 * decodes content-encoding here (no --compressed), so `body` is exactly what came on the wire.
 */
export const curlPost: HttpPost = (url, body, headers) =>
  new Promise((resolve, reject) => {
    const args = ['-sS', '--http2-prior-knowledge', '-i', '-X', 'POST', '--data-binary', '@-', '--max-time', '20'];
    for (const [key, value] of Object.entries(headers)) args.push('-H', `${key}: ${value}`);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'expect')) args.push('-H', 'expect:');
    args.push(url);
    const child = spawn('curl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited with ${code}: ${Buffer.concat(stderr).toString()}`));
      try {
        resolve(parseCurlOutput(Buffer.concat(stdout)));
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(body);
  });

function parseCurlOutput(raw: Buffer): HttpResult {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`curl: no header block in ${raw.subarray(0, 200).toString()}`);
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = lines.shift()!;
  const match = /^(HTTP\/[\d.]+)\s+(\d{3})/.exec(statusLine);
  if (!match) throw new Error(`curl: bad status line ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[2]), headers, body: raw.subarray(end + 4), httpVersion: match[1]! };
}
