// Child process: the HTTP floor. A bare node:http server that answers every
// request with one fixed body and its headers, the bytes the agent sent for
// a /metrics scrape: what node and the kernel cost to send that response,
// without the agent's routing, hooks, negotiation or heap. The serve phase
// runs the same load cells against it that it ran against the agent.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { childOptions } from '../lib/ipc.js';

interface Options {
  /** The response body, as the agent sent it (gzip stays gzip). */
  readonly bodyFile: string;
  /** The agent's response headers, content-length among them. */
  readonly headers: Record<string, string>;
}

const opts = childOptions<Options>();
const body = readFileSync(opts.bodyFile);
if (String(body.length) !== opts.headers['content-length']) {
  throw new Error(`http-floor: body of ${body.length} bytes, content-length ${opts.headers['content-length']}`);
}
const server = createServer((req, res) => {
  res.writeHead(200, opts.headers);
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});
// Ended by SIGTERM (the default action); with the parent gone, too.
process.on('disconnect', () => process.exit(0));
