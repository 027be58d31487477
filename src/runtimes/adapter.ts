// One interface for what differs between runtimes. Each runtime has one
// module implementing it (containerd.ts, crio.ts, docker.ts); generic.ts
// serves any other runtime with what CRI alone gives.
import type { ContainerDetail, ContainerUsage } from '../cri/types.js';
import type { Enrichment } from './enrich.js';
import type { WritableLayer } from './writable-layer.js';

export interface RuntimeAdapter {
  /** Normalised runtime type this adapter serves. */
  readonly type: string;
  /**
   * Called once per container ID (again only when its state changes) with its
   * verbose status: derive what never changes for the container. Must not
   * throw for a container that has gone; degrade to what is known instead.
   */
  enrich(detail: ContainerDetail): Promise<Enrichment>;
  /** Per poll, for runtimes whose stats carry the writable layer (CRI-O). */
  writableLayerFromStats(usage: ContainerUsage | undefined): WritableLayer | undefined;
  close(): void;
}

/** Chooses the adapter once the runtime's type is known (after Version). */
export type AdapterFactory = (type: string) => RuntimeAdapter;
