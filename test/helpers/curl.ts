import { execFile } from 'node:child_process';

export const CURL = '/usr/bin/curl';

export interface CurlResponse {
  /** `HTTP/1.1` or `HTTP/2`. */
  httpVersion: string;
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body as UTF-8 text. */
  text: string;
  /** Wall-clock time of the whole curl run, ms. */
  elapsedMs: number;
}

/**
 * Runs the real curl binary with `-sS -i` plus `args` and parses what it printed: the final
 * status line (interim `100 Continue` blocks are skipped), headers and the raw body. curl
 * exiting non-zero (e.g. `(92) Stream error in the HTTP/2 framing layer`) rejects, so every
 * test using this also asserts the exchange was clean at the HTTP level.
 */
export function curl(args: string[], timeoutMs = 10_000): Promise<CurlResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(CURL, ['-sS', '-i', '--max-time', String(timeoutMs / 1000), ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`curl ${args.join(' ')} failed: ${error.message} ${stderr.toString()}`));
        return;
      }
      try {
        resolve({ ...parseCurlOutput(stdout), elapsedMs: Date.now() - started });
      } catch (e) {
        reject(e);
      }
    });
  });
}

function parseCurlOutput(out: Buffer): Omit<CurlResponse, 'elapsedMs'> {
  let offset = 0;
  for (;;) {
    const end = out.indexOf('\r\n\r\n', offset);
    if (end < 0) throw new Error(`no header block in curl output: ${out.toString('latin1', offset, offset + 200)}`);
    const lines = out.toString('latin1', offset, end).split('\r\n');
    offset = end + 4;
    const statusLine = /^(HTTP\/[\d.]+) (\d{3})/.exec(lines[0] ?? '');
    if (!statusLine) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
    const status = Number(statusLine[2]);
    if (status >= 100 && status < 200) continue;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const body = out.subarray(offset);
    return { httpVersion: statusLine[1]!, status, headers, body, text: body.toString('utf8') };
  }
}

/** JSON body of a response, with a readable failure when it is not JSON. */
export function jsonOf(res: CurlResponse): any {
  try {
    return JSON.parse(res.text);
  } catch {
    throw new Error(`expected a JSON body, got ${res.status} ${JSON.stringify(res.text.slice(0, 200))}`);
  }
}
