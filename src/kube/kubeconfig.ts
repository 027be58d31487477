// A parsed kubeconfig document → the one cluster and user its current
// context names, checked and with relative paths resolved. No I/O here: the
// file and what it points to are read by kubeconfig-file.ts.
import { dirname, isAbsolute, resolve } from 'node:path';
import { KubeSetupError } from './errors.js';

/** PEM material given inline (`*-data`, base64 in the file) or as a file path. */
export type PemSource = { readonly data: Buffer } | { readonly file: string };

export interface KubeconfigCluster {
  readonly server: string;
  readonly ca?: PemSource;
  readonly insecure: boolean;
  readonly tlsServerName?: string;
}

export interface KubeconfigUser {
  readonly token?: string;
  readonly tokenFile?: string;
  readonly cert?: PemSource;
  readonly key?: PemSource;
  readonly basic?: { readonly username: string; readonly password: string };
}

export interface KubeconfigSelection {
  readonly context: string;
  readonly cluster: KubeconfigCluster;
  readonly user: KubeconfigUser;
}

type Mapping = Readonly<Record<string, unknown>>;

/** Ways to get credentials that need code we do not carry (plugins, cloud SDKs, impersonation). */
const UNSUPPORTED_USER_FIELDS = ['exec', 'auth-provider', 'as', 'as-uid', 'as-groups', 'as-user-extra'];

/** Throws KubeSetupError naming the file and the field. */
export function selectKubeconfig(doc: unknown, file: string): KubeconfigSelection {
  const fail = (msg: string) => new KubeSetupError(`--kubeconfig: ${file}: ${msg}`);
  if (!isMapping(doc)) throw new KubeSetupError(`--kubeconfig: cannot load ${file}: not a kubeconfig (expected a YAML mapping)`);
  const noContext = new KubeSetupError(`--kubeconfig: ${file} has no current context with a cluster`);
  const current = doc['current-context'];
  if (typeof current !== 'string' || current === '') throw noContext;
  const context = named(doc, 'contexts', 'context', current, fail);
  if (!context) throw noContext;
  const clusterName = context.cluster;
  const cluster = typeof clusterName === 'string' && clusterName !== '' ? named(doc, 'clusters', 'cluster', clusterName, fail) : undefined;
  if (!cluster) throw noContext;
  const userName = context.user;
  let user: Mapping = {};
  if (typeof userName === 'string' && userName !== '') {
    const found = named(doc, 'users', 'user', userName, fail);
    if (!found) throw fail(`context "${current}" names user "${userName}", which is not in the file`);
    user = found;
  }
  const base = dirname(file);
  return {
    context: current,
    cluster: readCluster(cluster, `cluster "${String(clusterName)}"`, base, fail),
    user: readUser(user, `user "${String(userName ?? '')}"`, base, fail),
  };
}

function readCluster(c: Mapping, where: string, base: string, fail: (m: string) => Error): KubeconfigCluster {
  const text = (key: string) => stringField(c, key, where, fail);
  const server = text('server');
  if (server === undefined) throw fail(`${where} has no server`);
  if (text('proxy-url') !== undefined) throw fail(`${where} uses proxy-url, which is not supported`);
  const insecure = c['insecure-skip-tls-verify'] ?? false;
  if (typeof insecure !== 'boolean') throw fail(`${where}: insecure-skip-tls-verify is not true or false`);
  const ca = pem(text('certificate-authority-data'), text('certificate-authority'), base, `${where}: certificate-authority-data`, fail);
  // As kubectl: skipping verification and naming a CA contradict each other.
  if (insecure && ca) throw fail(`${where} sets both insecure-skip-tls-verify and a certificate authority`);
  return { server, ca, insecure, tlsServerName: text('tls-server-name') };
}

function readUser(u: Mapping, where: string, base: string, fail: (m: string) => Error): KubeconfigUser {
  const unsupported = UNSUPPORTED_USER_FIELDS.filter((k) => u[k] !== undefined && u[k] !== null);
  if (unsupported.length > 0) {
    throw fail(`${where} authenticates with ${unsupported.join(', ')}, which the agent does not support; `
      + 'only tokens (token, tokenFile), client certificates and username/password are supported');
  }
  const text = (key: string) => stringField(u, key, where, fail);
  const cert = pem(text('client-certificate-data'), text('client-certificate'), base, `${where}: client-certificate-data`, fail);
  const key = pem(text('client-key-data'), text('client-key'), base, `${where}: client-key-data`, fail);
  if ((cert === undefined) !== (key === undefined)) throw fail(`${where} needs both a client certificate and its key`);
  const token = text('token');
  const tokenFile = text('tokenFile');
  const username = text('username');
  const password = text('password');
  if ((username !== undefined || password !== undefined) && (token !== undefined || tokenFile !== undefined)) {
    throw fail(`${where} sets both a token and username/password`);
  }
  return {
    token,
    tokenFile: tokenFile === undefined ? undefined : resolvePath(base, tokenFile),
    cert, key,
    basic: username !== undefined || password !== undefined ? { username: username ?? '', password: password ?? '' } : undefined,
  };
}

/** `list` is [{ name, <key>: {...} }]; the entry called `name`, or undefined. */
function named(doc: Mapping, list: string, key: string, name: string, fail: (m: string) => Error): Mapping | undefined {
  const entries = doc[list] ?? [];
  if (!Array.isArray(entries)) throw fail(`${list} is not a list`);
  const entry: unknown = entries.find((e: unknown) => isMapping(e) && e.name === name);
  if (!isMapping(entry)) return undefined;
  const value = entry[key] ?? {};
  if (!isMapping(value)) throw fail(`${list} entry "${name}" has no ${key} mapping`);
  return value;
}

function stringField(m: Mapping, key: string, where: string, fail: (msg: string) => Error): string | undefined {
  const v = m[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw fail(`${where}: ${key} is not a string`);
  return v;
}

/** Inline data wins over a file, as in kubectl. */
function pem(data: string | undefined, file: string | undefined, base: string, field: string, fail: (m: string) => Error): PemSource | undefined {
  if (data !== undefined) {
    const decoded = Buffer.from(data, 'base64');
    if (decoded.length === 0) throw fail(`${field} is not base64`);
    return { data: decoded };
  }
  if (file !== undefined) return { file: resolvePath(base, file) };
  return undefined;
}

/** Paths in a kubeconfig are relative to the kubeconfig's directory, not to the working directory. */
function resolvePath(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
