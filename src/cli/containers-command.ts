// `cri-exporter containers`: poll once and print.
import { existsSync } from 'node:fs';
import pino from 'pino';
import type { Config } from '../config.js';
import { Poller } from '../poller/poller.js';
import { makeAdapterFactory, makeClient, resolveEndpoint } from './connect.js';
import { formatContainers } from './containers.js';
import { StartupError } from './errors.js';

export async function containersCommand(config: Config, out: NodeJS.WritableStream): Promise<void> {
  const endpoint = resolveEndpoint(config);
  if (endpoint.socketPath !== undefined && !existsSync(endpoint.socketPath)) {
    throw new StartupError(`no runtime socket at ${endpoint.socketPath}; is the runtime running, and is --runtime-endpoint right?`);
  }
  const client = makeClient(config, endpoint);
  try {
    const poller = new Poller({
      source: client,
      intervalMs: config.pollIntervalMs,
      nodeName: config.nodeName,
      endpoint: endpoint.display,
      adapterFor: makeAdapterFactory(config, endpoint),
      logger: pino({ level: 'silent' }),
      publish: () => undefined,
    });
    const snapshot = await poller.pollOnce();
    if (!snapshot.ok) {
      throw new StartupError(`cannot list containers from ${endpoint.display}: ${snapshot.errors.map((e) => e.message).join('; ')}`);
    }
    out.write(formatContainers(snapshot, config.output));
  } finally {
    client.close();
  }
}
