// The agent exactly as `serve` builds it (grpc-js's decoder wrapped, then
// src/cli/wire.ts: CRI client, poller with its host-stats step, watch hub,
// self metrics, exposition cache warmed after each poll, HTTP app), minus the
// listening socket and access control, so the bench can drive polls one at a
// time and time them. Only the call counting is the bench's own.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { wireAgent } from '../../src/cli/wire.js';
import { loadConfig } from '../../src/config.js';
import { releaseAnswerPieces } from '../../src/cri/answer-release.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import type { Poller } from '../../src/poller/poller.js';

export interface AgentCore {
  readonly poller: Poller;
  readonly app: FastifyInstance;
  /** CRI calls by method since the last takeCalls(). */
  takeCalls(): Map<string, number>;
  /** Resolves once the exposition of the latest snapshot is rendered and gzipped, as serve prepares it after each poll. */
  exposed(): Promise<void>;
  close(): Promise<void>;
}

export interface AgentCoreOptions {
  /** Read host cgroups after each poll as serve does outside --demo; default true. */
  readonly hostStats?: boolean;
}

export function buildAgentCore(endpointText: string, opts: AgentCoreOptions = {}): AgentCore {
  // As serve does once per process before its first call.
  if (!releaseAnswerPieces()) throw new Error('bench: grpc-js\'s decoder is not the one answer-release.ts knows; the agent figures would not be the agent\'s');
  const config = loadConfig(['serve', '--runtime-endpoint', endpointText, '--node-name', 'bench-node'], {});
  let calls = new Map<string, number>();
  const agent = wireAgent({
    config,
    endpoint: parseEndpoint(endpointText),
    // A real pino logger, as serve has, so the app pays for it as serve does; nothing is written.
    logger: pino({ level: 'silent' }),
    observeCall: (method) => calls.set(method, (calls.get(method) ?? 0) + 1),
    hostStats: opts.hostStats !== false,
  });
  return {
    poller: agent.poller,
    app: agent.server,
    takeCalls: () => {
      const taken = calls;
      calls = new Map();
      return taken;
    },
    exposed: () => agent.exposition.warm(agent.poller.snapshot),
    close: () => agent.close(),
  };
}
