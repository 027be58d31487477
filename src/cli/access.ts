// The serve command's access-control and Kubernetes API part: TLS material,
// the token authorizer, and the Node object watch. Everything that can be
// wrong with them (no API to talk to, unreadable certificate) is found here,
// before the agent listens, and reported as one StartupError.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { inCluster, type Config } from '../config.js';
import type { AuthOptions } from '../http/auth.js';
import { loadTls, secureVersion, TlsFileError, watchTls, type SecureContextTarget, type TlsMaterial } from '../http/tls.js';
import { KubeAuthorizer } from '../kube/authorizer.js';
import type { KubeApis } from '../kube/client.js';
import { KubeSetupError } from '../kube/errors.js';
import { NodeRuntimeWatch } from '../kube/node-info.js';
import { StartupError } from './errors.js';

type Closer = () => Promise<void> | void;

/** Deadline of every Kubernetes API call: a review waits at most this long before failing closed. */
const API_TIMEOUT_MS = 5_000;

/**
 * pino paths that must never reach a log line: credentials in headers (if a
 * request is ever logged with them) and a review's token.
 */
export const LOG_REDACTIONS = [
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token', '*.token', 'spec.token',
];

export interface Access {
  readonly auth?: AuthOptions;
  readonly https?: TlsMaterial;
  readonly nodeRuntimeVersion?: () => string | undefined;
  /** Starts what needs the listening server (certificate reloads). */
  afterListen(server: FastifyInstance): void;
}

export async function setupAccess(config: Config, logger: Logger, closers: Closer[]): Promise<Access> {
  const https = config.tls ? await tlsMaterial(config) : undefined;
  const apis = await connectApi(config);
  if (apis) closers.push(() => apis.close());
  logAuthMode(config, logger, apis);
  const auth = config.auth === 'kubernetes' && apis
    ? { authorizer: new KubeAuthorizer(apis, { audiences: config.authAudiences }), nodeName: config.nodeName }
    : undefined;
  let nodeRuntimeVersion: (() => string | undefined) | undefined;
  if (apis) {
    const watch = new NodeRuntimeWatch(apis, config.nodeName, logger);
    closers.push(() => watch.stop());
    void watch.start(); // the API being slow must not delay serving metrics
    nodeRuntimeVersion = () => watch.containerRuntimeVersion;
  }
  return {
    auth, https, nodeRuntimeVersion,
    afterListen(server) {
      if (!https || !config.tls) return;
      const stop = watchTls(server.server as unknown as SecureContextTarget, config.tls, https, logger);
      closers.push(stop);
    },
  };
}

async function tlsMaterial(config: Config): Promise<TlsMaterial> {
  try {
    return await loadTls(config.tls as NonNullable<Config['tls']>, secureVersion(config.tlsMinVersion));
  } catch (err) {
    if (err instanceof TlsFileError) throw new StartupError(`${err.message}; give a readable PEM certificate and its key`);
    throw err;
  }
}

async function connectApi(config: Config): Promise<KubeApis | undefined> {
  const wanted = config.kubeconfig !== undefined || inCluster(process.env);
  if (config.auth === 'kubernetes' && !wanted) {
    throw new StartupError('--auth=kubernetes needs the Kubernetes API: run in a pod with a service account token, or set --kubeconfig (or use --auth=none)');
  }
  if (!wanted) return undefined;
  // Loaded only when used: an agent without the API should not pay for the client in memory.
  const { kubeApis } = await import('../kube/client.js');
  let apis: KubeApis | undefined;
  try {
    apis = await kubeApis({ kubeconfig: config.kubeconfig, inCluster: inCluster(process.env), timeoutMs: API_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof KubeSetupError) throw new StartupError(err.message);
    throw err;
  }
  return apis;
}

function logAuthMode(config: Config, logger: Logger, apis: KubeApis | undefined): void {
  const chosenBy = config.authDefaulted ? (config.auth === 'kubernetes' ? 'default: running in a cluster' : 'default: not in a cluster') : 'flag';
  const fields = { auth: config.auth, chosenBy, tls: config.tls !== undefined, kubernetesApi: apis?.server ?? null, audiences: config.authAudiences };
  if (config.auth === 'none') logger.warn(fields, 'access control is off: anyone who reaches the port can read metrics and host paths');
  else logger.info(fields, 'access control: bearer tokens checked with TokenReview and SubjectAccessReview');
}
