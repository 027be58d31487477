// A simulated CRI runtime: a real grpc-js server speaking proto/cri/api.proto
// on a unix socket, answering from a World the way the chosen runtime would
// (see profiles.ts). It is the product's --demo runtime and the test double
// for runtimes that cannot run here; Faults let tests break it at run time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { ApiVersion } from '../cri/types.js';
import { loadCriDefinition } from '../cri/proto.js';
import { Renderer, RpcError, type Handler, type Raw } from './answers.js';
import { getProfile, servedApis, type ProfileName, type RuntimeProfile } from './profiles.js';
import type { World } from './world.js';

export interface Faults {
  /** Extra latency per RPC name, or '*' for all. */
  delayMs?: Partial<Record<string, number>>;
  /** Answer with this gRPC status instead (per RPC name, or '*'). */
  fail?: Partial<Record<string, { code: number; message: string }>>;
  /** Never answer these RPCs (true: all of them). */
  hang?: Set<string> | boolean;
  /** containerd's quirk: ListPodSandboxStats fails as a whole when a sandbox has no cgroup parent. */
  podSandboxStatsFailsWithoutCgroupParent?: boolean;
  /** Pad ListContainers answers with an extra container carrying an annotation of this many bytes. */
  oversizeBytes?: number;
  /** Rewrites an answer before it goes on the wire: hostile data a real runtime could send (tests only). */
  rewrite?: (rpc: string, answer: Record<string, unknown>) => Record<string, unknown>;
}

export interface SimRuntimeOptions {
  readonly profile: ProfileName;
  readonly world: World;
  /** Default: `cri.sock` in a fresh temp dir, removed by stop(). */
  readonly socketPath?: string;
  readonly v1alpha2Only?: boolean;
  readonly faults?: Faults;
}

export interface SimRuntime {
  readonly socketPath: string;
  /** `unix://` + socketPath. */
  readonly endpoint: string;
  readonly world: World;
  readonly profile: RuntimeProfile;
  readonly apiVersions: readonly ApiVersion[];
  /** Calls received per RPC name over the served API versions, failed and UNIMPLEMENTED ones included (not those to an unserved version). */
  readonly calls: Map<string, number>;
  /** Mutable: tests change it while the runtime runs. */
  readonly faults: Faults;
  stop(): Promise<void>;
}


export async function startSimRuntime(opts: SimRuntimeOptions): Promise<SimRuntime> {
  const profile = getProfile(opts.profile);
  const alphaOnly = opts.v1alpha2Only === true;
  const faults = opts.faults ?? {};
  const calls = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const tempDir = opts.socketPath ? undefined : await mkdtemp(join(tmpdir(), 'cri-sim-'));
  const socketPath = opts.socketPath ?? join(tempDir as string, 'cri.sock');
  const renderer = new Renderer(profile, opts.world, alphaOnly, faults);
  const apiVersions = servedApis(profile, alphaOnly);
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': -1 });
  for (const api of apiVersions) {
    const def = loadCriDefinition(api);
    const handlers = renderer.handlers(api);
    for (const svc of ['RuntimeService', 'ImageService']) {
      const service = def[`runtime.${api}.${svc}`] as unknown as grpc.ServiceDefinition;
      if (!service) throw new Error(`sim runtime: proto has no runtime.${api}.${svc}`);
      const impl: grpc.UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(service)) impl[name] = unary(name, method.path, handlers[name], { calls, faults, timers });
      server.addService(service, impl);
    }
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    server.forceShutdown();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    throw new Error(`sim runtime (${profile.name}): cannot listen on unix:${socketPath}: ${(err as Error).message}`);
  }
  let stopped = false;
  return {
    socketPath, endpoint: `unix://${socketPath}`, world: opts.world, profile, apiVersions, calls, faults,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      // Hung calls would keep a graceful shutdown waiting forever: give it a moment, then force.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => server.tryShutdown(() => r())), new Promise<void>((r) => { grace = setTimeout(r, 300); })]);
      clearTimeout(grace);
      server.forceShutdown();
      await rm(socketPath, { force: true });
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

interface CallContext {
  readonly calls: Map<string, number>;
  readonly faults: Faults;
  readonly timers: Set<NodeJS.Timeout>;
}

/** One RPC: count it, apply the faults in force at arrival, then answer (or UNIMPLEMENTED without a handler). */
function unary(name: string, path: string, handler: Handler | undefined, ctx: CallContext): grpc.handleUnaryCall<Raw, unknown> {
  return (call, callback) => {
    ctx.calls.set(name, (ctx.calls.get(name) ?? 0) + 1);
    const { hang, delayMs, fail } = ctx.faults;
    if (hang === true || (hang instanceof Set && hang.has(name))) return;
    const answer = () => {
      const injected = fail?.[name] ?? fail?.['*'];
      if (injected) return callback({ code: injected.code, details: injected.message });
      if (!handler) return callback({ code: grpc.status.UNIMPLEMENTED, details: `The server does not implement the method ${path}` });
      try {
        const res = handler(call.request) as Record<string, unknown>;
        callback(null, ctx.faults.rewrite ? ctx.faults.rewrite(name, res) : res);
      } catch (err) {
        const e = err instanceof RpcError ? err : new RpcError(grpc.status.INTERNAL, `sim ${name}: ${(err as Error).message}`);
        callback({ code: e.code, details: e.message });
      }
    };
    const delay = delayMs?.[name] ?? delayMs?.['*'] ?? 0;
    if (delay <= 0) return answer();
    const t = setTimeout(() => {
      ctx.timers.delete(t);
      answer();
    }, delay);
    ctx.timers.add(t);
  };
}
