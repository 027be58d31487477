// One Server-Sent Events response: framing, a heartbeat comment that keeps
// proxies and load balancers from closing an idle stream, and a bound on
// what may queue up for a slow client.
import type { ServerResponse } from 'node:http';

export interface SseOptions {
  readonly heartbeatMs: number;
  /**
   * Bytes allowed to wait in the socket for a client that does not read. Past
   * it the stream is ended: the client reconnects with Last-Event-ID and gets
   * the events it missed, rather than the agent buffering without bound.
   */
  readonly maxBufferedBytes: number;
  /** Reconnection delay suggested to EventSource clients. */
  readonly retryMs?: number;
}

export interface SseEvent {
  readonly event: string;
  readonly data: string;
  /** Omitted: the client's Last-Event-ID stays what it was. */
  readonly id?: string;
}

export class SseStream {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly res: ServerResponse, private readonly opts: SseOptions) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // A stream ends only when one side gives up; its connection is never
      // reused, and a server shutting down must not wait out keep-alive on it.
      connection: 'close',
      // nginx (and ingress-nginx) buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    res.on('close', () => this.finish());
    this.write(`retry: ${opts.retryMs ?? 2000}\n\n`);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), opts.heartbeatMs);
    this.heartbeat.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(e: SseEvent): void {
    const id = e.id === undefined ? '' : `id: ${e.id}\n`;
    // A data line may not hold a newline; JSON.stringify output has none, but be safe.
    const data = e.data.split('\n').map((line) => `data: ${line}\n`).join('');
    this.write(`${id}event: ${e.event}\n${data}\n`);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the response (server shutdown, or a client too slow to keep up). */
  close(): void {
    if (!this.closed) this.res.end();
    this.finish();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    this.res.write(chunk);
    if (this.res.writableLength > this.opts.maxBufferedBytes) this.close();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
