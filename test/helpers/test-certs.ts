import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throwaway PKI, plus their paths for tools like curl. */
export interface TestPki {
  dir: string;
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
  /** A client certificate signed by a CA the server does not trust. */
  rogueKey: Buffer;
  rogueCert: Buffer;
  paths: Record<'ca' | 'serverKey' | 'serverCert' | 'clientKey' | 'clientCert' | 'rogueKey' | 'rogueCert', string>;
  remove(): void;
}

/** True when the `openssl` command is available to generate certificates. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Generates, with the openssl CLI, a CA, a server certificate for 127.0.0.1/localhost, a client
 * certificate from that CA and one from an untrusted CA. Generated per run (EC keys, 2 days)
 * so no key material lives in the repository and nothing expires under the tests.
 */
export function generateTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'triple-pki-'));
  const p = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const makeCa = (name: string): void =>
    openssl('req', '-x509', ...CURVE, '-keyout', p(`${name}.key`), '-out', p(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const makeLeaf = (name: string, ca: string, ext: string): void => {
    writeFileSync(p(`${name}.ext`), ext);
    openssl('req', ...CURVE, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${ca}.pem`), '-CAkey', p(`${ca}.key`), '-CAcreateserial',
      '-out', p(`${name}.pem`), '-days', '2', '-extfile', p(`${name}.ext`));
  };
  makeCa('ca');
  makeCa('rogue-ca');
  makeLeaf('server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  makeLeaf('client', 'ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  makeLeaf('rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  const paths = {
    ca: p('ca.pem'),
    serverKey: p('server.key'),
    serverCert: p('server.pem'),
    clientKey: p('client.key'),
    clientCert: p('client.pem'),
    rogueKey: p('rogue.key'),
    rogueCert: p('rogue.pem'),
  };
  return {
    dir,
    ca: readFileSync(paths.ca),
    serverKey: readFileSync(paths.serverKey),
    serverCert: readFileSync(paths.serverCert),
    clientKey: readFileSync(paths.clientKey),
    clientCert: readFileSync(paths.clientCert),
    rogueKey: readFileSync(paths.rogueKey),
    rogueCert: readFileSync(paths.rogueCert),
    paths,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
