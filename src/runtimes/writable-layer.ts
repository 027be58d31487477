// Writable-layer paths from what CRI alone gives. Runtime-specific resolvers
// (containerd's snapshots API, Docker's inspect) refine this per runtime.
import type { ContainerUsage } from '../cri/types.js';

export interface WritableLayer {
  /** Host path of the container's merged root filesystem, '' when unknown. */
  readonly mergedDir: string;
  /** Host path of the container's own writable (upper) layer, '' when unknown. */
  readonly upperDir: string;
  /** Where the paths came from, e.g. 'cri-stats', 'none'. */
  readonly source: string;
  /** False when the runtime did not give enough to name both paths exactly. */
  readonly complete: boolean;
}

export const UNKNOWN_LAYER: WritableLayer = Object.freeze({ mergedDir: '', upperDir: '', source: 'none', complete: false });

/**
 * CRI-O reports the container's own overlay mountpoint in stats; containerd
 * reports only the snapshotter's root there (the same for every container),
 * so it says nothing about one container and is not used.
 */
export function writableLayerFromCri(type: string, usage: ContainerUsage | undefined): WritableLayer {
  const mountpoint = usage?.writableLayer?.mountpoint ?? '';
  if (type === 'cri-o' && mountpoint !== '') {
    return { mergedDir: mountpoint, upperDir: '', source: 'cri-stats', complete: false };
  }
  return UNKNOWN_LAYER;
}
