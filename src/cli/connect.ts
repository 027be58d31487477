// Shared by serve and containers: which endpoint to use and a client for it.
import type { Config } from '../config.js';
import { CriClient, type CallObserver } from '../cri/client.js';
import { DEFAULT_RUNTIME_SOCKETS, detectEndpoint, type Endpoint } from '../cri/endpoint.js';
import type { AdapterFactory } from '../runtimes/adapter.js';
import { adapterFactory } from '../runtimes/index.js';
import { StartupError } from './errors.js';

export function resolveEndpoint(config: Config): Endpoint {
  if (config.runtimeEndpoint) return config.runtimeEndpoint;
  const found = detectEndpoint();
  if (!found) {
    throw new StartupError(
      `no container runtime socket found (looked for ${DEFAULT_RUNTIME_SOCKETS.join(', ')}); ` +
      'set --runtime-endpoint, mount the runtime socket\'s directory, or try --demo',
    );
  }
  return found;
}

export function makeClient(config: Config, endpoint: Endpoint, observer?: CallObserver): CriClient {
  return new CriClient({
    endpoint,
    imageEndpoint: config.imageEndpoint,
    timeoutMs: config.criTimeoutMs,
    maxMessageBytes: config.criMaxMessageBytes,
    apiVersion: config.criApiVersion,
    maxReconnectBackoffMs: Math.min(config.pollIntervalMs, 5000),
    observer,
  });
}

/** Runtime-specific enrichment for `endpoint`, with the native endpoints and deadlines from the flags. */
export function makeAdapterFactory(config: Config, endpoint: Endpoint): AdapterFactory {
  return adapterFactory({ runtimeEndpoint: endpoint, dockerEndpoint: config.dockerEndpoint, hostProc: config.hostProc, timeoutMs: config.criTimeoutMs });
}
