// A byte-counting unix-socket proxy: the agent under test connects to it
// instead of the runtime's socket, and every byte in either direction is
// counted. It runs in the bench process, so its CPU is not the agent's.
import { rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Counts {
  /** Runtime → agent. */
  readonly received: number;
  /** Agent → runtime. */
  readonly sent: number;
}

export interface ByteProxy {
  readonly socketPath: string;
  readonly endpoint: string;
  counts(): Counts;
  close(): Promise<void>;
}

export async function startByteProxy(socketPath: string, upstreamPath: string): Promise<ByteProxy> {
  let received = 0;
  let sent = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(upstreamPath);
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => { sent += d.length; });
    upstream.on('data', (d: Buffer) => { received += d.length; });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (s: Socket) => () => {
      sockets.delete(s);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end(client)).on('error', () => undefined);
    upstream.on('close', end(upstream)).on('error', () => undefined);
  });
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    endpoint: `unix://${socketPath}`,
    counts: () => ({ received, sent }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
