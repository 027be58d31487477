/** A Kubernetes API call that did not give an answer: network, TLS, timeout, or an HTTP error status. */
export class KubeApiError extends Error {
  constructor(
    /** What was asked, as method and path, e.g. "GET /api/v1/nodes/worker-1". */
    readonly operation: string,
    readonly server: string,
    /** HTTP status, when the API server answered at all. */
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`Kubernetes API ${operation} on ${server} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`);
    this.name = 'KubeApiError';
  }
}

/** The agent cannot reach the Kubernetes API at all: no kubeconfig, not in a cluster, or a broken file. */
export class KubeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeSetupError';
  }
}
