// HTTPS material from --tls-cert-file/--tls-key-file: read and checked once
// at start (a bad file stops the agent with one clear line), then reloaded
// whenever either file changes (cert-manager and kubelet-style rotations
// replace them in place or swap a symlink), without dropping connections.
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureVersion } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly minVersion: SecureVersion;
}

/** Go's names (the kubelet's --tls-min-version) → Node's. */
const VERSIONS: Readonly<Record<string, SecureVersion>> = { VersionTLS12: 'TLSv1.2', VersionTLS13: 'TLSv1.3' };

export function secureVersion(goName: string): SecureVersion {
  const v = VERSIONS[goName];
  if (!v) throw new TlsFileError('tls-min-version', goName, `not one of ${Object.keys(VERSIONS).join(', ')}`);
  return v;
}

/** A certificate or key that cannot be used, naming the flag and the file. */
export class TlsFileError extends Error {
  constructor(readonly flag: string, readonly file: string, detail: string) {
    super(`--${flag}: ${file}: ${detail}`);
    this.name = 'TlsFileError';
  }
}

async function readPem(flag: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new TlsFileError(flag, file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads both files and proves they make a usable context (PEM parses, key matches certificate). */
export async function loadTls(files: TlsFiles, minVersion: SecureVersion): Promise<TlsMaterial> {
  const cert = await readPem('tls-cert-file', files.certFile);
  const key = await readPem('tls-key-file', files.keyFile);
  try {
    createSecureContext({ cert, key, minVersion });
  } catch (err) {
    const msg = (err as Error).message;
    const flag = /key/i.test(msg) && !/values mismatch/.test(msg) ? 'tls-key-file' : 'tls-cert-file';
    const file = flag === 'tls-key-file' ? files.keyFile : files.certFile;
    throw new TlsFileError(flag, file, `not a usable PEM certificate and key pair (${msg})`);
  }
  return { cert, key, minVersion };
}

export interface ReloadLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The part of tls.Server that reloading needs. */
export interface SecureContextTarget {
  setSecureContext(options: { cert: Buffer; key: Buffer; minVersion: SecureVersion }): void;
}

/**
 * Polls both files' stat (it follows symlinks, so a Kubernetes secret's
 * `..data` swap is seen) and installs the new pair once it is consistent; a
 * half-written rotation is skipped and picked up on the next change.
 * Returns a function that stops watching.
 */
export function watchTls(target: SecureContextTarget, files: TlsFiles, current: TlsMaterial, logger: ReloadLogger, intervalMs = 1000): () => void {
  let last = current;
  let pending: NodeJS.Timeout | undefined;
  const reload = async () => {
    try {
      const next = await loadTls(files, current.minVersion);
      if (next.cert.equals(last.cert) && next.key.equals(last.key)) return;
      target.setSecureContext(next);
      last = next;
      logger.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'TLS files changed but are not usable yet; still serving the previous certificate');
    }
  };
  // Both files usually change together: one reload after the burst.
  const changed = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => void reload(), 100);
  };
  for (const f of [files.certFile, files.keyFile]) watchFile(f, { interval: intervalMs, persistent: false }, changed);
  return () => {
    if (pending) clearTimeout(pending);
    for (const f of [files.certFile, files.keyFile]) unwatchFile(f, changed);
  };
}
