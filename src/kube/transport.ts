// JSON over HTTPS to the API server, on kept-alive connections: a review is
// a few hundred bytes each way, and a TLS handshake per scrape would cost
// more than the call. Every request has a deadline covering the whole
// exchange (queueing for a socket included) and a bounded response size,
// and every failure becomes a KubeApiError naming method, path and server.
import { Agent, request } from 'node:https';
import type { OutgoingHttpHeaders } from 'node:http';
import { productVersion } from '../version.js';
import { parseServer, type ApiEndpoint } from './api-endpoint.js';
import { KubeApiError } from './errors.js';
import { decodeResponse } from './response.js';

export interface TransportOptions {
  readonly timeoutMs: number;
  /** Larger answers are refused; a Node object is a few KiB, a review less. */
  readonly maxResponseBytes?: number;
}

type Outcome =
  | { readonly ok: true; readonly status: number; readonly body: Buffer }
  | { readonly ok: false; readonly error: Error; readonly retryable: boolean };

const DEFAULT_MAX_RESPONSE = 1024 * 1024;

export class ApiTransport {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 2 });
  private readonly target: ReturnType<typeof parseServer>;
  private readonly userAgent = `cri-exporter/${productVersion()}`;
  private readonly maxBytes: number;

  /** Throws KubeSetupError when the endpoint's server is not an https URL. */
  constructor(private readonly endpoint: ApiEndpoint, private readonly opts: TransportOptions) {
    this.target = parseServer(endpoint.server, 'Kubernetes API');
    this.maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
  }

  get server(): string {
    return this.endpoint.server;
  }

  /** Sends `body` as JSON and returns the JSON object answered; throws KubeApiError. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<object> {
    const operation = `${method} ${path}`;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const deadline = Date.now() + this.opts.timeoutMs;
    let outcome = await this.exchange(method, path, payload, this.opts.timeoutMs);
    // A kept-alive connection the server closed while idle fails on first write; one fresh try is safe
    // (reviews change nothing, GET is idempotent) and stays inside the same deadline.
    if (!outcome.ok && outcome.retryable && deadline - Date.now() > 0) {
      outcome = await this.exchange(method, path, payload, deadline - Date.now());
    }
    if (!outcome.ok) throw new KubeApiError(operation, this.server, undefined, outcome.error.message.split('\n')[0] ?? 'unknown error');
    const decoded = decodeResponse(outcome.status, outcome.body);
    if (!decoded.ok) throw new KubeApiError(operation, this.server, outcome.status, decoded.detail);
    return decoded.value;
  }

  /** Closes idle connections; requests in flight fail. */
  close(): void {
    this.agent.destroy();
  }

  private exchange(method: string, path: string, payload: Buffer | undefined, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = request({
        agent: this.agent, method,
        hostname: this.target.hostname, port: this.target.port, path: this.target.basePath + path,
        headers: this.headers(payload),
        ...this.endpoint.tls,
      });
      let answered = false;
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!outcome.ok) req.destroy();
        resolve(outcome);
      };
      const fail = (error: Error) => settle({
        ok: false, error,
        retryable: !answered && req.reusedSocket && ['ECONNRESET', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? ''),
      });
      const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      req.on('error', fail);
      req.on('response', (res) => {
        answered = true;
        const tooLarge = () => fail(new Error(`response larger than ${this.maxBytes} bytes`));
        if (Number(res.headers['content-length']) > this.maxBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBytes) tooLarge();
          else chunks.push(chunk);
        });
        res.on('end', () => settle({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', fail);
        res.on('close', () => fail(new Error('connection closed before the response ended')));
      });
      req.end(payload);
    });
  }

  private headers(payload: Buffer | undefined): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': this.userAgent };
    const authorization = this.endpoint.authorization();
    if (authorization !== undefined) headers.authorization = authorization;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return headers;
  }
}
