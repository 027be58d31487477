// The ways of reading a node's state over CRI that the bench compares. Each
// is a `poll()` that the poll child times; only `agent` is the product.
//   agent      the product, wired as `serve` wires it (lib/agent-core.ts),
//              including the host-stats step that reads each container's cgroup;
//              the exposition it prepares after each poll is timed apart
//   agent-cri  the same without the host-stats step (as `--demo` runs): the CRI path alone
//   floor      a bare grpc-js client making the same list calls, decoding
//              them as the agent does (its reader proto and loader options),
//              processing nothing
//   floor-raw  the same calls with no decoding at all (bytes only)
//   classic    ListContainers, then ContainerStatus + ContainerStats per
//              container (2N+1 calls), as the classic CRI example tools do
// Both floors let go of each answer's pieces as the agent's client does
// (src/cri/answer-release.ts), so that they pay no garbage the agent does not.
import * as grpc from '@grpc/grpc-js';
import { releaseAnswerPieces } from '../../src/cri/answer-release.js';
import { parseEndpoint } from '../../src/cri/endpoint.js';
import { loadCriPackage } from '../../src/cri/proto.js';
import type { Snapshot } from '../../src/poller/snapshot.js';
import { buildAgentCore } from './agent-core.js';

export type Mode = 'agent' | 'agent-cri' | 'floor' | 'floor-raw' | 'classic';

export interface PollTarget {
  /** Runs one poll; returns how many CRI calls it made, by method. */
  poll(): Promise<Map<string, number>>;
  /** The agent's latest snapshot (agent modes only). */
  snapshot?(): Snapshot;
  /** Waits for the work a poll leaves behind: the agent's exposition render and gzip (agent modes only). */
  settle?(): Promise<void>;
  /** Bytes of the last answer to each call, as protobuf on the wire (floor-raw only). */
  answerBytes?(): Record<string, number>;
  /** Milliseconds each call of the last poll took to answer (floor-raw only). */
  answerMs?(): Record<string, number>;
  close(): void;
}

/** The list calls an agent poll may make; each takes no argument, so a floor can repeat it. */
export const LIST_CALLS = ['Status', 'ListPodSandbox', 'ListContainers', 'ListContainerStats', 'ListPodSandboxStats', 'ImageFsInfo', 'ListImages'];

/**
 * The list calls of one agent poll (`calls`: how many of each method it
 * made), for a floor to repeat: the stats call the agent's plan settled on,
 * not both. All of LIST_CALLS when the poll made none of them.
 */
export function listCallsOf(calls: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const [method, n] of Object.entries(calls)) {
    if (LIST_CALLS.includes(method)) for (let i = 0; i < n; i++) out.push(method);
  }
  return out.length > 0 ? out : LIST_CALLS;
}
const IMAGE_SERVICE = new Set(['ImageFsInfo', 'ListImages', 'ImageStatus']);

export function pollTarget(mode: Mode, endpoint: string, methods: readonly string[], concurrency: number): PollTarget {
  switch (mode) {
    case 'agent': return agentTarget(endpoint, true);
    case 'agent-cri': return agentTarget(endpoint, false);
    case 'floor': return floorTarget(endpoint, methods);
    case 'floor-raw': return rawFloorTarget(endpoint, methods);
    case 'classic': return classicTarget(endpoint, concurrency);
  }
}

function agentTarget(endpoint: string, hostStats: boolean): PollTarget {
  const agent = buildAgentCore(endpoint, { hostStats });
  return {
    async poll() {
      agent.takeCalls();
      const s = await agent.poller.pollOnce();
      if (!s.ok) throw new Error(`agent poll failed: ${JSON.stringify(s.errors)}`);
      return agent.takeCalls();
    },
    snapshot: () => agent.poller.snapshot,
    settle: () => agent.exposed(),
    close: () => void agent.close(),
  };
}

/** One shared connection per endpoint as the agent has, and a receive limit that never refuses an answer. */
function channelOptions(): grpc.ChannelOptions {
  // The agent's flow-control window (src/cri/client.ts), so that the floor
  // receives the answers the way the agent does.
  return { 'grpc.max_receive_message_length': 1 << 30, 'grpc.use_local_subchannel_pool': 0, 'grpc-node.flow_control_window': 4 << 20 };
}

type Unary = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** Decoded unary calls through the generated clients, results dropped. */
function decodedCaller(endpoint: string): { call(method: string, req: object): Promise<unknown>; close(): void } {
  const pkg = loadCriPackage('v1', 'reader');
  const target = parseEndpoint(endpoint).grpcTarget;
  const runtime = new pkg.RuntimeService(target, grpc.credentials.createInsecure(), channelOptions());
  const image = new pkg.ImageService(target, grpc.credentials.createInsecure(), channelOptions());
  return {
    call(method, req) {
      const client = IMAGE_SERVICE.has(method) ? image : runtime;
      const fn = (client as unknown as Record<string, Unary>)[method.charAt(0).toLowerCase() + method.slice(1)];
      if (!fn) return Promise.reject(new Error(`no ${method}`));
      return new Promise((resolve, reject) => {
        fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + 60_000 }, (err, res) => (err ? reject(err) : resolve(res)));
      });
    },
    close() {
      runtime.close();
      image.close();
    },
  };
}

function count(methods: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of methods) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

function floorTarget(endpoint: string, methods: readonly string[]): PollTarget {
  releaseAnswerPieces();
  const caller = decodedCaller(endpoint);
  return {
    async poll() {
      await Promise.all(methods.map((m) => caller.call(m, m === 'Status' ? { verbose: false } : {})));
      return count(methods);
    },
    close: () => caller.close(),
  };
}

function rawFloorTarget(endpoint: string, methods: readonly string[]): PollTarget {
  releaseAnswerPieces();
  const client = new grpc.Client(parseEndpoint(endpoint).grpcTarget, grpc.credentials.createInsecure(), channelOptions());
  // Every request of these calls is all defaults, which protobuf encodes as zero bytes.
  const empty = (): Buffer => Buffer.alloc(0);
  const raw = (b: Buffer): Buffer => b;
  const sizes: Record<string, number> = {};
  const times: Record<string, number> = {};
  const call = (method: string) => new Promise<Buffer>((resolve, reject) => {
    const service = IMAGE_SERVICE.has(method) ? 'ImageService' : 'RuntimeService';
    const t0 = performance.now();
    client.makeUnaryRequest(`/runtime.v1.${service}/${method}`, empty, raw, {}, new grpc.Metadata(), { deadline: Date.now() + 60_000 },
      (err, res) => {
        times[method] = performance.now() - t0;
        if (err) reject(err);
        else resolve(res as Buffer);
      });
  });
  return {
    async poll() {
      const answers = await Promise.all(methods.map(call));
      methods.forEach((m, i) => { sizes[m] = answers[i]?.length ?? 0; });
      return count(methods);
    },
    answerBytes: () => ({ ...sizes }),
    answerMs: () => ({ ...times }),
    close: () => client.close(),
  };
}

function classicTarget(endpoint: string, concurrency: number): PollTarget {
  const caller = decodedCaller(endpoint);
  return {
    async poll() {
      // The reader proto decodes ListContainers straight to summaries (src/cri/list-decoders.ts).
      const res = (await caller.call('ListContainers', {})) as { id: string }[];
      const ids = res.map((c) => c.id);
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const containerId = ids[next++] as string;
          await Promise.all([caller.call('ContainerStatus', { containerId, verbose: false }), caller.call('ContainerStats', { containerId })]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
      return new Map([['ListContainers', 1], ['ContainerStatus', ids.length], ['ContainerStats', ids.length]]);
    },
    close: () => caller.close(),
  };
}
