// A failed Docker Engine API request, naming the endpoint, the request and
// why. `kind` tells the adapter how to degrade: a daemon it cannot reach is
// reported differently from one that answered something unusable.

export type DockerApiFailure =
  /** No connection, connection reset, or no answer within the deadline. */
  | 'unavailable'
  /** An answer that is not the JSON document asked for: wrong status, not JSON, too large. */
  | 'bad-response';

export class DockerApiError extends Error {
  constructor(
    readonly kind: DockerApiFailure,
    /** The endpoint as the operator wrote it, e.g. unix:///var/run/docker.sock. */
    readonly endpoint: string,
    /** Method and path, e.g. `GET /containers/4f2c…/json`. */
    readonly request: string,
    detail: string,
    /** HTTP status when the daemon answered; undefined otherwise. */
    readonly status?: number,
  ) {
    super(`Docker Engine API ${request} on ${endpoint} failed: ${detail}`);
    this.name = 'DockerApiError';
  }
}
