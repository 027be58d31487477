// A minimal, read-only Docker Engine API client: the one call the docker
// adapter needs (container inspect), over the daemon's unix socket or TCP.
// No library: the request is a single GET, and node:http with a deadline and
// a size cap is all it takes.
import { Agent, request, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Endpoint } from '../cri/endpoint.js';
import { DockerApiError, type DockerApiFailure } from './docker-api-error.js';

/** Where dockerd listens unless --docker-endpoint says otherwise. */
export const DEFAULT_DOCKER_ENDPOINT = 'unix:///var/run/docker.sock';

/** An inspect document is a few kilobytes; labels and env can grow it, but not to this. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface DockerApiOptions {
  readonly endpoint: Endpoint;
  /** Deadline of each request, from connect to the last byte. */
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number;
}

interface RawResponse {
  readonly status: number;
  readonly body: Buffer;
}

export class DockerApiClient {
  // Without keep-alive: a reused connection that dockerd closed meanwhile
  // would fail a request, and each container is inspected only once.
  private readonly agent = new Agent({ keepAlive: false });
  private readonly target: Pick<RequestOptions, 'socketPath' | 'host' | 'port'>;
  private readonly maxBytes: number;

  constructor(private readonly opts: DockerApiOptions) {
    this.target = targetOf(opts.endpoint);
    this.maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  get endpoint(): string {
    return this.opts.endpoint.display;
  }

  /**
   * `GET /containers/{id}/json`: the parsed document, or undefined when the
   * daemon does not know the container (404: removed since CRI listed it).
   * Unversioned path on purpose: every Engine API version has GraphDriver and
   * HostConfig.CgroupParent, and a pinned version can be below a newer
   * daemon's minimum.
   */
  async inspectContainer(id: string): Promise<unknown> {
    const path = `/containers/${encodeURIComponent(id)}/json`;
    const res = await this.get(path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      throw this.error('bad-response', path, `HTTP ${res.status}: ${messageOf(res.body)}`, res.status);
    }
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch (err) {
      throw this.error('bad-response', path, `answer is not JSON (${(err as Error).message})`, res.status);
    }
  }

  /** Aborts requests in flight; the client is not used afterwards. */
  close(): void {
    this.agent.destroy();
  }

  private get(path: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request({ ...this.target, path, method: 'GET', agent: this.agent, headers: { Accept: 'application/json' } });
      let settled = false;
      const settle = (done: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done();
      };
      const fail = (kind: DockerApiFailure, detail: string, status?: number): void => {
        settle(() => reject(this.error(kind, path, detail, status)));
        req.destroy();
      };
      // A total deadline: the socket's idle timeout alone would let a daemon that trickles bytes hold us forever.
      const timer = setTimeout(() => fail('unavailable', `no complete answer within ${this.opts.timeoutMs} ms`), this.opts.timeoutMs);
      req.on('error', (err) => fail('unavailable', err.message));
      req.on('response', (res) => this.collect(res, (body) => settle(() => resolve({ status: res.statusCode ?? 0, body })), fail));
      req.end();
    });
  }

  /** Reads the body up to the size cap. */
  private collect(res: IncomingMessage, done: (body: Buffer) => void, fail: (kind: DockerApiFailure, detail: string, status?: number) => void): void {
    const status = res.statusCode;
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > this.maxBytes) {
      fail('bad-response', `answer of ${declared} bytes exceeds the ${this.maxBytes}-byte limit`, status);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxBytes) fail('bad-response', `answer exceeds the ${this.maxBytes}-byte limit`, status);
      else chunks.push(chunk);
    });
    res.on('end', () => done(Buffer.concat(chunks)));
    res.on('error', (err) => fail('unavailable', `reading the answer: ${err.message}`, status));
  }

  private error(kind: DockerApiFailure, path: string, detail: string, status?: number): DockerApiError {
    return new DockerApiError(kind, this.endpoint, `GET ${path}`, detail, status);
  }
}

function targetOf(endpoint: Endpoint): Pick<RequestOptions, 'socketPath' | 'host' | 'port'> {
  if (endpoint.socketPath !== undefined) return { socketPath: endpoint.socketPath };
  // grpcTarget of a tcp endpoint is `host:port`, IPv6 hosts in brackets.
  const colon = endpoint.grpcTarget.lastIndexOf(':');
  const host = endpoint.grpcTarget.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(endpoint.grpcTarget.slice(colon + 1)) };
}

/** Docker's error bodies are `{"message": "..."}`; anything else is shown truncated. */
function messageOf(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
