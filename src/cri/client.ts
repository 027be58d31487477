// The CRI client: one channel per endpoint, a deadline on every call, API
// version negotiation (v1, then v1alpha2) remembered until reset(), and one
// observer callback per call so the agent can count what it asks.
import * as grpc from '@grpc/grpc-js';
import { ReconnectWatch } from './connectivity.js';
import * as convert from './convert.js';
import type { Endpoint } from './endpoint.js';
import { CriCallError, grpcCodeName } from './errors.js';
import { decodeListContainers, decodeListContainerStats, decodeListPodSandbox, decodeListPodSandboxStats } from './list-decoders.js';
import { loadCriPackage } from './proto.js';
import { RowMemo } from './row-memo.js';
import { StringPool } from './string-pool.js';
import {
  API_VERSIONS, type ApiVersion, type ContainerDetail, type ContainerSummary, type ContainerUsage, type Image,
  type ImageFs, type PodSandbox, type PodSandboxDetail, type PodSandboxUsage, type RuntimeCondition, type RuntimeVersion,
} from './types.js';

/** Called once per CRI call with the RPC name, gRPC status name and duration. */
export type CallObserver = (method: string, code: string, seconds: number) => void;

export interface CriClientOptions {
  readonly endpoint: Endpoint;
  readonly imageEndpoint?: Endpoint;
  readonly timeoutMs: number;
  readonly maxMessageBytes: number;
  /** 'auto' negotiates; a fixed version is used as is. */
  readonly apiVersion: ApiVersion | 'auto';
  /** Upper bound of grpc-js's reconnect backoff; keep it near the poll interval. */
  readonly maxReconnectBackoffMs?: number;
  readonly observer?: CallObserver;
}

type Service = 'RuntimeService' | 'ImageService';
type Unary = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

export class CriClient {
  private negotiated: ApiVersion | undefined;
  private readonly clients = new Map<string, grpc.Client>();
  private readonly watches: ReconnectWatch[] = [];
  private readonly decoders = memoDecoders();

  constructor(private readonly opts: CriClientOptions) {
    if (opts.apiVersion !== 'auto') this.negotiated = opts.apiVersion;
  }

  /** The API version in use, once negotiated. */
  get apiVersion(): ApiVersion | undefined {
    return this.negotiated;
  }

  get endpoint(): Endpoint {
    return this.opts.endpoint;
  }

  /** Version; negotiates the API version when not yet known. */
  async version(): Promise<RuntimeVersion> {
    if (this.negotiated !== undefined) {
      return convert.toRuntimeVersion(await this.call('RuntimeService', 'Version', { version: this.negotiated }));
    }
    let lastError: unknown;
    for (const candidate of API_VERSIONS) {
      try {
        const res = await this.callAt(candidate, 'RuntimeService', 'Version', { version: candidate });
        this.negotiated = candidate;
        return convert.toRuntimeVersion(res);
      } catch (err) {
        if (!(err instanceof CriCallError && err.code === 'UNIMPLEMENTED')) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  async status(): Promise<RuntimeCondition[]> {
    return convert.toConditions(await this.call('RuntimeService', 'Status', { verbose: false }));
  }

  // The four list answers arrive already decoded to domain values, by
  // list-decoders.ts, not protobufjs. This client passes the decoders what
  // it keeps from one answer to the next: the two summary lists' rows
  // (row-memo.ts), and the strings that recur in the stats answers
  // (string-pool.ts).

  async listPodSandboxes(): Promise<PodSandbox[]> {
    return (await this.call('RuntimeService', 'ListPodSandbox', {}, this.decoders.ListPodSandbox)) as PodSandbox[];
  }

  async listContainers(): Promise<ContainerSummary[]> {
    return (await this.call('RuntimeService', 'ListContainers', {}, this.decoders.ListContainers)) as ContainerSummary[];
  }

  /** Verbose status: the runtime-specific info documents are needed to find writable layers. */
  async containerStatus(id: string): Promise<ContainerDetail> {
    return convert.toContainerDetail(await this.call('RuntimeService', 'ContainerStatus', { containerId: id, verbose: true }));
  }

  /** Verbose sandbox status: containerd's info carries the sandbox config, and so the pod's log directory. */
  async podSandboxStatus(id: string): Promise<PodSandboxDetail> {
    return convert.toPodSandboxDetail(await this.call('RuntimeService', 'PodSandboxStatus', { podSandboxId: id, verbose: true }));
  }

  async listContainerStats(): Promise<ContainerUsage[]> {
    return (await this.call('RuntimeService', 'ListContainerStats', {}, this.decoders.ListContainerStats)) as ContainerUsage[];
  }

  /** `withContainers` false steps over the container stats repeated in each pod's (most of the answer). */
  async listPodSandboxStats(withContainers: boolean): Promise<PodSandboxUsage[]> {
    const decode = withContainers ? this.decoders.ListPodSandboxStats : this.decoders.ListPodSandboxStatsPodsOnly;
    return (await this.call('RuntimeService', 'ListPodSandboxStats', {}, decode)) as PodSandboxUsage[];
  }

  async imageFsInfo(): Promise<ImageFs[]> {
    return convert.toImageFs(await this.call('ImageService', 'ImageFsInfo', {}));
  }

  async listImages(): Promise<Image[]> {
    return convert.toImages(await this.call('ImageService', 'ListImages', {}));
  }

  /** Forget the negotiated version so that the next version() asks again (after a runtime restart). */
  resetNegotiation(): void {
    if (this.opts.apiVersion === 'auto') this.negotiated = undefined;
  }

  /** True once after the runtime connection was lost and re-established since the last call. */
  takeReconnect(): boolean {
    return this.watches.map((w) => w.take()).some(Boolean);
  }

  close(): void {
    for (const w of this.watches) w.stop();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private async call(service: Service, method: string, request: object, decode?: Decode): Promise<unknown> {
    if (this.negotiated === undefined) await this.version();
    return this.callAt(this.negotiated as ApiVersion, service, method, request, decode);
  }

  /** `decode`: this call's own answer decoder instead of the proto's. */
  private callAt(version: ApiVersion, service: Service, method: string, request: object, decode?: Decode): Promise<unknown> {
    const client = this.client(version, service);
    const fn = decode === undefined ? (client as unknown as Record<string, Unary>)[lowerFirst(method)] : decodedBy(client, method, decode);
    if (typeof fn !== 'function') return Promise.reject(new Error(`proto has no ${service}.${method}`));
    const started = process.hrtime.bigint();
    const endpoint = this.endpointOf(service).display;
    return new Promise((resolve, reject) => {
      fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + this.opts.timeoutMs }, (err, res) => {
        const code = err ? grpcCodeName(err.code) : 'OK';
        this.opts.observer?.(method, code, Number(process.hrtime.bigint() - started) / 1e9);
        if (err) reject(new CriCallError(method, endpoint, code, err.details || err.message));
        else resolve(res);
      });
    });
  }

  private endpointOf(service: Service): Endpoint {
    return service === 'ImageService' ? (this.opts.imageEndpoint ?? this.opts.endpoint) : this.opts.endpoint;
  }

  private client(version: ApiVersion, service: Service): grpc.Client {
    const key = `${version}/${service}`;
    let c = this.clients.get(key);
    if (!c) {
      const Ctor = loadCriPackage(version, 'reader')[service];
      c = new Ctor(this.endpointOf(service).grpcTarget, grpc.credentials.createInsecure(), this.channelOptions());
      this.clients.set(key, c);
      if (service === 'RuntimeService') this.watches.push(new ReconnectWatch(c.getChannel()));
    }
    return c;
  }

  private channelOptions(): grpc.ChannelOptions {
    return {
      'grpc.max_receive_message_length': this.opts.maxMessageBytes,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': this.opts.maxReconnectBackoffMs ?? 5000,
      // Every client of one endpoint shares one connection.
      'grpc.use_local_subchannel_pool': 0,
      // HTTP/2's default window lets the runtime send only 64 KiB beyond what
      // we have acknowledged: a 1 MB answer (ListPodSandboxStats at 1000
      // containers) then comes in dozens of bursts, each a wake-up. With 4 MiB
      // it comes through at once: 1–3 ms less CPU per poll at 1000.
      'grpc-node.flow_control_window': 4 << 20,
    };
  }
}

type Decode = (bytes: Buffer) => unknown;

function memoDecoders() {
  const containers = new RowMemo<ContainerSummary>();
  const sandboxes = new RowMemo<PodSandbox>();
  // One pool for both stats answers: they carry the same IDs.
  const stats = new StringPool();
  return {
    ListContainers: (bytes: Buffer) => decodeListContainers(bytes, containers),
    ListPodSandbox: (bytes: Buffer) => decodeListPodSandbox(bytes, sandboxes),
    ListContainerStats: (bytes: Buffer) => decodeListContainerStats(bytes, stats),
    ListPodSandboxStats: (bytes: Buffer) => decodeListPodSandboxStats(bytes, true, stats),
    ListPodSandboxStatsPodsOnly: (bytes: Buffer) => decodeListPodSandboxStats(bytes, false, stats),
  };
}

/** The generated method's call, with `decode` in place of the proto's answer decoder. */
function decodedBy(client: grpc.Client, method: string, decode: Decode): Unary | undefined {
  const def = (client.constructor as grpc.ServiceClientConstructor).service?.[method];
  if (def === undefined) return undefined;
  return (req, meta, opts, cb) => client.makeUnaryRequest(def.path, def.requestSerialize, decode, req, meta, opts, cb);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
