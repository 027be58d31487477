// Runtime endpoints: what an operator may write, and the sockets we look for
// when they write nothing.
import { existsSync } from 'node:fs';

export interface Endpoint {
  /** The target string grpc-js dials: `unix:/abs/path` or `host:port`. */
  readonly grpcTarget: string;
  /** Canonical form for display: `unix:///abs/path` or `tcp://host:port`. */
  readonly display: string;
  /** Socket path for unix endpoints. */
  readonly socketPath?: string;
}

export class EndpointError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid endpoint "${input}": ${reason}; use unix:///path/to.sock, /path/to.sock or tcp://host:port`);
    this.name = 'EndpointError';
  }
}

export function parseEndpoint(input: string): Endpoint {
  const raw = input.trim();
  if (raw === '') throw new EndpointError(input, 'empty');
  if (raw.startsWith('/')) return unixEndpoint(raw, input);
  if (raw.startsWith('unix://')) {
    const path = raw.slice('unix://'.length);
    if (!path.startsWith('/')) throw new EndpointError(input, 'unix socket path must be absolute');
    return unixEndpoint(path, input);
  }
  if (raw.startsWith('tcp://')) return tcpEndpoint(raw.slice('tcp://'.length), input);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1];
  throw new EndpointError(input, scheme ? `unsupported scheme "${scheme}"` : 'not a path or URL');
}

function unixEndpoint(path: string, input: string): Endpoint {
  if (path.includes('\0')) throw new EndpointError(input, 'path contains a NUL byte');
  return { grpcTarget: `unix:${path}`, display: `unix://${path}`, socketPath: path };
}

function tcpEndpoint(hostPort: string, input: string): Endpoint {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(hostPort);
  if (!m) throw new EndpointError(input, 'expected tcp://host:port');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new EndpointError(input, `port ${port} out of range`);
  return { grpcTarget: `${m[1]}:${port}`, display: `tcp://${m[1]}:${port}` };
}

/** Known runtime sockets, in the order the SPEC says to try them. */
export const DEFAULT_RUNTIME_SOCKETS: readonly string[] = [
  '/run/containerd/containerd.sock',
  '/run/crio/crio.sock',
  '/var/run/crio/crio.sock',
  '/run/cri-dockerd.sock',
  '/var/run/cri-dockerd.sock',
  '/var/run/dockershim.sock',
];

/** First existing socket of `candidates`, or undefined. */
export function detectEndpoint(
  candidates: readonly string[] = DEFAULT_RUNTIME_SOCKETS,
  exists: (path: string) => boolean = existsSync,
): Endpoint | undefined {
  const found = candidates.find((path) => exists(path));
  return found === undefined ? undefined : unixEndpoint(found, found);
}
