// A client for the one containerd-native call the agent makes: Snapshots
// Mounts, read-only, on the same socket as CRI. containerd keeps the CRI
// plugin's objects in the "k8s.io" namespace, named by gRPC metadata.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Endpoint } from '../cri/endpoint.js';
import { grpcCodeName } from '../cri/errors.js';
import { LOADER_OPTIONS, protoDir } from '../cri/proto.js';
import { ContainerdApiError } from './containerd-api-error.js';

/** containerd namespace of everything the CRI plugin creates. */
export const CRI_NAMESPACE = 'k8s.io';
export const SNAPSHOTS_SERVICE = 'containerd.services.snapshots.v1.Snapshots';
const MOUNTS = 'Snapshots/Mounts';

/** A mount as the snapshotter would perform it. */
export interface SnapshotMount {
  readonly type: string;
  readonly source: string;
  readonly options: readonly string[];
}

/** What the containerd adapter needs of the Snapshots service; tests may pass another. */
export interface SnapshotsApi {
  mounts(snapshotter: string, key: string): Promise<SnapshotMount[]>;
  close(): void;
}

let definition: protoLoader.PackageDefinition | undefined;

/** proto/containerd/snapshots.proto, loaded once; also used by test servers. */
export function loadSnapshotsDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync('containerd/snapshots.proto', { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  return definition;
}

type MountsCall = (
  req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

export class SnapshotsClient implements SnapshotsApi {
  private client: grpc.Client | undefined;

  constructor(private readonly endpoint: Endpoint, private readonly timeoutMs: number) {}

  mounts(snapshotter: string, key: string): Promise<SnapshotMount[]> {
    const meta = new grpc.Metadata();
    meta.set('containerd-namespace', CRI_NAMESPACE);
    const client = this.connect();
    const call = (client as unknown as { mounts: MountsCall }).mounts;
    return new Promise((resolve, reject) => {
      call.call(client, { snapshotter, key }, meta, { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err) {
          const detail = `${err.details || err.message} (snapshotter "${snapshotter}", key "${key}")`;
          reject(new ContainerdApiError(MOUNTS, this.endpoint.display, grpcCodeName(err.code), detail));
        } else {
          resolve(toMounts(res));
        }
      });
    });
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private connect(): grpc.Client {
    if (this.client) return this.client;
    const service = loadSnapshotsDefinition()[SNAPSHOTS_SERVICE] as grpc.ServiceDefinition;
    const Ctor = grpc.makeClientConstructor(service, 'Snapshots');
    this.client = new Ctor(this.endpoint.grpcTarget, grpc.credentials.createInsecure(), {
      // A Mounts answer is a few hundred bytes; anything near this is not containerd.
      'grpc.max_receive_message_length': 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5000,
    });
    return this.client;
  }
}

/** The answer as decoded, tolerating missing or mistyped fields. */
export function toMounts(res: unknown): SnapshotMount[] {
  const list = (res as { mounts?: unknown } | null)?.mounts;
  if (!Array.isArray(list)) return [];
  return list.map((m: unknown) => {
    const o = (m ?? {}) as Record<string, unknown>;
    const options = Array.isArray(o.options) ? o.options.filter((x): x is string => typeof x === 'string') : [];
    return { type: typeof o.type === 'string' ? o.type : '', source: typeof o.source === 'string' ? o.source : '', options };
  });
}
