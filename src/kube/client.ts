// Kubernetes API access: a KubeConfig from a kubeconfig file or the pod's
// service account, and the three API groups the agent uses. Every call gets
// a deadline, so a hung API server cannot hold a request (or a review) open.
import { existsSync } from 'node:fs';
import {
  AuthenticationV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, Observable,
  type ConfigurationOptions, type RequestContext, type ResponseContext,
} from '@kubernetes/client-node';
import { KubeSetupError } from './errors.js';

export interface KubeApis {
  readonly authentication: AuthenticationV1Api;
  readonly authorization: AuthorizationV1Api;
  readonly core: CoreV1Api;
  /** The API server URL, for error messages. */
  readonly server: string;
  /** Per-call options that put a deadline on the request. */
  readonly callOptions: () => ConfigurationOptions;
}

export interface KubeClientOptions {
  /** A kubeconfig file; wins over the in-cluster configuration. */
  readonly kubeconfig?: string;
  /** Whether the pod's service account may be used (KUBERNETES_SERVICE_HOST and a token). */
  readonly inCluster: boolean;
  readonly timeoutMs: number;
}

/** The API clients, or undefined when there is no way to reach an API server. */
export function kubeApis(opts: KubeClientOptions): KubeApis | undefined {
  const kc = loadKubeConfig(opts);
  if (!kc) return undefined;
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  return {
    authentication: kc.makeApiClient(AuthenticationV1Api),
    authorization: kc.makeApiClient(AuthorizationV1Api),
    core: kc.makeApiClient(CoreV1Api),
    server,
    callOptions: () => deadlineOptions(opts.timeoutMs),
  };
}

function loadKubeConfig(opts: KubeClientOptions): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (opts.kubeconfig !== undefined) {
    if (!existsSync(opts.kubeconfig)) throw new KubeSetupError(`--kubeconfig: ${opts.kubeconfig} does not exist`);
    try {
      kc.loadFromFile(opts.kubeconfig);
    } catch (err) {
      throw new KubeSetupError(`--kubeconfig: cannot load ${opts.kubeconfig}: ${(err as Error).message}`);
    }
    if (!kc.getCurrentCluster()) throw new KubeSetupError(`--kubeconfig: ${opts.kubeconfig} has no current context with a cluster`);
    return kc;
  }
  if (!opts.inCluster) return undefined;
  // Reads the service-account token from its file and re-reads it as the kubelet rotates it.
  kc.loadFromCluster();
  return kc;
}

/** An abort signal per request: the generated client has no timeout of its own. */
function deadlineOptions(timeoutMs: number): ConfigurationOptions {
  return {
    middleware: [{
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        return new Observable(Promise.resolve(ctx));
      },
      post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
    }],
    middlewareMergeStrategy: 'append',
  };
}
