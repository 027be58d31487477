// --kubeconfig FILE → an ApiEndpoint: reads the YAML and the certificate,
// key and token files it points to, so that anything missing is reported at
// start, naming the kubeconfig.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basicAuthorization, parseServer, type ApiEndpoint } from './api-endpoint.js';
import { KubeSetupError } from './errors.js';
import { FileToken } from './file-token.js';
import { selectKubeconfig, type KubeconfigUser, type PemSource } from './kubeconfig.js';

export interface KubeconfigOptions {
  /** Re-read a tokenFile when the copy in memory is older than this. */
  readonly tokenMaxAgeMs?: number;
  readonly now?: () => number;
}

/** Throws KubeSetupError naming the file and what is wrong with it. */
export async function loadKubeconfig(file: string, opts: KubeconfigOptions = {}): Promise<ApiEndpoint> {
  if (!existsSync(file)) throw new KubeSetupError(`--kubeconfig: ${file} does not exist`);
  let doc: unknown;
  try {
    // Imported here, not at the top: in a pod there is no kubeconfig, and the parser costs memory.
    const { parse } = await import('yaml');
    doc = parse(await readFile(file, 'utf8'), { merge: true });
  } catch (err) {
    throw new KubeSetupError(`--kubeconfig: cannot load ${file}: ${firstLine(err)}`);
  }
  const { cluster, user } = selectKubeconfig(doc, file);
  parseServer(cluster.server, `--kubeconfig: ${file}`);
  const read = (src: PemSource | undefined, what: string): Buffer | undefined => {
    if (src === undefined || 'data' in src) return src?.data;
    try {
      return readFileSync(src.file);
    } catch (err) {
      throw new KubeSetupError(`--kubeconfig: ${file}: cannot read ${what}: ${firstLine(err)}`);
    }
  };
  return {
    server: cluster.server,
    tls: {
      ca: read(cluster.ca, 'certificate-authority'),
      cert: read(user.cert, 'client-certificate'),
      key: read(user.key, 'client-key'),
      servername: cluster.tlsServerName,
      rejectUnauthorized: !cluster.insecure,
    },
    authorization: authorization(file, user, opts),
  };
}

function authorization(file: string, user: KubeconfigUser, opts: KubeconfigOptions): () => string | undefined {
  // A tokenFile wins over a token, as in client-go: the file is the one kept fresh.
  if (user.tokenFile !== undefined) {
    let token: FileToken;
    try {
      token = new FileToken(user.tokenFile, opts.tokenMaxAgeMs, opts.now);
    } catch (err) {
      throw new KubeSetupError(`--kubeconfig: ${file}: cannot read tokenFile: ${firstLine(err)}`);
    }
    return () => `Bearer ${token.value()}`;
  }
  if (user.token !== undefined) {
    const header = `Bearer ${user.token}`;
    return () => header;
  }
  if (user.basic !== undefined) {
    const header = basicAuthorization(user.basic.username, user.basic.password);
    return () => header;
  }
  return () => undefined;
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0] ?? '';
}
