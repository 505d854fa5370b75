/**
 * A throwaway PKI for TLS tests (security profiles 2 and 3), made with the `openssl` CLI in a temp
 * dir: a CA, a server certificate for 127.0.0.1 / localhost, client certificates whose CN is a
 * station identity, and a second, untrusted "rogue" CA for negative tests. EC P-256 keys keep it
 * fast (a whole PKI is ~20 openssl runs); make one per test file, in `beforeAll`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its private key, as PEM text and as files in the PKI dir. */
export interface CertPair {
  /** Subject common name. */
  cn: string;
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export type Issuer = 'ca' | 'rogue';

export interface TestPki {
  /** Temp dir holding every file (removed by `cleanup`). */
  readonly dir: string;
  /** The trusted CA: signs the server certificate and the legitimate client certificates. */
  readonly ca: CertPair;
  /** Server certificate for 127.0.0.1 (SAN IP:127.0.0.1, DNS:localhost), signed by `ca`. */
  readonly server: CertPair;
  /** Client certificate whose CN is the station identity given, signed by `ca`. */
  readonly client: CertPair;
  /** A second CA nobody trusts. */
  readonly rogueCa: CertPair;
  /** Client certificate with the same CN as `client`, signed by `rogueCa`. */
  readonly rogueClient: CertPair;
  /** Issue one more client certificate (CN = `cn`) from the trusted CA or the rogue one. */
  issueClient(cn: string, issuer?: Issuer): CertPair;
  /** Remove the temp dir. Idempotent. */
  cleanup(): void;
}

export interface TestPkiOptions {
  /** CN of `client` and `rogueClient`: the station identity of profile 3. */
  clientIdentity: string;
  /** Validity in days (default 2). */
  days?: number;
  /** openssl binary (default $OPENSSL, then /usr/bin/openssl, then `openssl` on the PATH). */
  openssl?: string;
}

const REQ_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function opensslBinary(explicit: string | undefined): string {
  if (explicit) return explicit;
  if (process.env.OPENSSL) return process.env.OPENSSL;
  return existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';
}

/** Subject text for `-subj`: escape the characters openssl treats specially. */
function subject(cn: string): string {
  return `/CN=${cn.replace(/[\\/,+=<>#;"]/g, (c) => `\\${c}`)}`;
}

/** File-name-safe version of a CN. */
function slug(cn: string): string {
  return cn.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Build a fresh PKI in a new temp dir. Throws with openssl's stderr when a step fails. */
export function createTestPki(opts: TestPkiOptions): TestPki {
  const bin = opensslBinary(opts.openssl);
  const days = String(opts.days ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'chargebench-pki-'));
  const configFile = join(dir, 'openssl.cnf');
  let removed = false;
  const cleanup = (): void => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };

  const run = (args: string[]): void => {
    try {
      execFileSync(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENSSL_CONF: configFile } });
    } catch (err) {
      const e = err as Error & { stderr?: Buffer | string };
      const stderr = e.stderr ? String(e.stderr).trim() : '';
      throw new Error(`openssl ${args.join(' ')} failed: ${stderr || e.message}`, { cause: err });
    }
  };

  const names = new Set<string>();
  const uniqueName = (base: string): string => {
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
    names.add(name);
    return name;
  };

  const newKey = (name: string): string => {
    const keyFile = join(dir, `${name}.key`);
    run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
    return keyFile;
  };

  const pair = (cn: string, certFile: string, keyFile: string): CertPair =>
    ({ cn, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile });

  const makeCa = (cn: string, base: string): CertPair => {
    const name = uniqueName(base);
    const keyFile = newKey(name);
    const certFile = join(dir, `${name}.crt`);
    run(['req', '-new', '-x509', '-config', configFile, '-extensions', 'v3_ca', '-key', keyFile,
      '-subj', subject(cn), '-days', days, '-sha256', '-out', certFile]);
    return pair(cn, certFile, keyFile);
  };

  const issue = (ca: CertPair, cn: string, profile: 'server' | 'client', base: string): CertPair => {
    const name = uniqueName(base);
    const keyFile = newKey(name);
    const csrFile = join(dir, `${name}.csr`);
    const certFile = join(dir, `${name}.crt`);
    run(['req', '-new', '-config', configFile, '-key', keyFile, '-subj', subject(cn), '-out', csrFile]);
    run(['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile,
      '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', days, '-sha256',
      '-extfile', configFile, '-extensions', profile, '-out', certFile]);
    return pair(cn, certFile, keyFile);
  };

  try {
    writeFileSync(configFile, REQ_CONFIG);
    const ca = makeCa('chargebench test CA', 'ca');
    const rogueCa = makeCa('chargebench rogue CA', 'rogue-ca');
    const server = issue(ca, '127.0.0.1', 'server', 'server');
    const client = issue(ca, opts.clientIdentity, 'client', `client-${slug(opts.clientIdentity)}`);
    const rogueClient = issue(rogueCa, opts.clientIdentity, 'client', `rogue-client-${slug(opts.clientIdentity)}`);
    return {
      dir, ca, server, client, rogueCa, rogueClient,
      issueClient: (cn, issuer = 'ca') =>
        issue(issuer === 'rogue' ? rogueCa : ca, cn, 'client', `${issuer === 'rogue' ? 'rogue-client' : 'client'}-${slug(cn)}`),
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}
