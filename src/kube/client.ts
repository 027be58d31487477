// The three Kubernetes API calls the agent makes, over our own small HTTPS
// client rather than @kubernetes/client-node: loading that library's
// generated models cost ~70 MiB of RSS, most of the agent's memory budget,
// for three requests. The configuration comes from --kubeconfig, else from
// the pod's service account.
import { inClusterEndpoint, type InClusterOptions } from './in-cluster.js';
import { loadKubeconfig } from './kubeconfig-file.js';
import type { ApiEndpoint } from './api-endpoint.js';
import { ApiTransport } from './transport.js';
import type { Node, SubjectAccessReview, TokenReview } from './types.js';

/** Each call throws KubeApiError when the API does not answer, or answers with an error. */
export interface KubeApis {
  /** The API server URL, for logs and error messages. */
  readonly server: string;
  createTokenReview(review: TokenReview): Promise<TokenReview>;
  createSubjectAccessReview(review: SubjectAccessReview): Promise<SubjectAccessReview>;
  readNode(name: string): Promise<Node>;
  /** Closes kept-alive connections. */
  close(): void;
}

export interface KubeClientOptions {
  /** A kubeconfig file; wins over the in-cluster configuration. */
  readonly kubeconfig?: string;
  /** Whether the pod's service account may be used (KUBERNETES_SERVICE_HOST and a token). */
  readonly inCluster: boolean;
  /** Deadline of every call. */
  readonly timeoutMs: number;
  /** In-cluster settings (service-account directory) and the environment; tests change them. */
  readonly serviceAccount?: InClusterOptions;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The API calls, or undefined when there is no way to reach an API server; throws KubeSetupError. */
export async function kubeApis(opts: KubeClientOptions): Promise<KubeApis | undefined> {
  const endpoint = await apiEndpoint(opts);
  return endpoint && apisOver(new ApiTransport(endpoint, { timeoutMs: opts.timeoutMs }));
}

async function apiEndpoint(opts: KubeClientOptions): Promise<ApiEndpoint | undefined> {
  if (opts.kubeconfig !== undefined) return loadKubeconfig(opts.kubeconfig);
  if (!opts.inCluster) return undefined;
  return inClusterEndpoint(opts.env ?? process.env, opts.serviceAccount);
}

export function apisOver(transport: ApiTransport): KubeApis {
  return {
    server: transport.server,
    createTokenReview: async (review) =>
      await transport.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', review) as TokenReview,
    createSubjectAccessReview: async (review) =>
      await transport.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', review) as SubjectAccessReview,
    readNode: async (name) => await transport.request('GET', `/api/v1/nodes/${encodeURIComponent(name)}`) as Node,
    close: () => transport.close(),
  };
}
