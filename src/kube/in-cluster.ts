// The pod's own way to the API: the kubernetes Service from the environment
// the kubelet sets, and the service-account token and CA it mounts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVICE_ACCOUNT_TOKEN, type Env } from '../config.js';
import type { ApiEndpoint } from './api-endpoint.js';
import { KubeSetupError } from './errors.js';
import { FileToken } from './file-token.js';

/** Where Kubernetes mounts the service account: token, ca.crt, namespace. */
export const SERVICE_ACCOUNT_DIR = dirname(SERVICE_ACCOUNT_TOKEN);

export interface InClusterOptions {
  /** The service-account directory; a parameter so tests can use a temporary one. */
  readonly dir?: string;
  /** Re-read the token when the copy in memory is older than this. */
  readonly tokenMaxAgeMs?: number;
  readonly now?: () => number;
}

/** Throws KubeSetupError when the token or CA cannot be read. */
export function inClusterEndpoint(env: Env, opts: InClusterOptions = {}): ApiEndpoint {
  const dir = opts.dir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new KubeSetupError('in-cluster: KUBERNETES_SERVICE_HOST is not set');
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const bare = host.replace(/^\[|\]$/g, '');
  const server = `https://${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
  const caFile = join(dir, 'ca.crt');
  let ca: Buffer;
  let token: FileToken;
  try {
    ca = readFileSync(caFile);
    token = new FileToken(join(dir, 'token'), opts.tokenMaxAgeMs, opts.now);
  } catch (err) {
    throw new KubeSetupError(`in-cluster: cannot read the service account (${(err as Error).message}); is a token mounted?`);
  }
  return {
    server,
    tls: { ca, rejectUnauthorized: true },
    authorization: () => `Bearer ${token.value()}`,
  };
}
