/** A Kubernetes API call that did not give an answer: network, TLS, timeout, or an HTTP error status. */
export class KubeApiError extends Error {
  constructor(
    /** What was asked, e.g. "TokenReview" or "GET node worker-1". */
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

/** Wraps whatever the client threw into a KubeApiError with context; never includes request headers. */
export function toKubeApiError(operation: string, server: string, err: unknown): KubeApiError {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const status = typeof e.code === 'number' && e.code >= 100 && e.code < 600 ? e.code : undefined;
  const detail = e.name === 'AbortError' ? 'timed out' : String(e.message ?? err).split('\n')[0]?.slice(0, 300) ?? 'unknown error';
  return new KubeApiError(operation, server, status, detail);
}
