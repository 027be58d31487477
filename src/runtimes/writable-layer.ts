// The writable layer as the agent reports it. Each runtime's adapter resolves
// it (containerd's snapshots API, CRI-O's mount point, Docker's inspect);
// what CRI alone gives is not enough for any runtime.

export interface WritableLayer {
  /** Host path of the container's merged root filesystem, '' when unknown. */
  readonly mergedDir: string;
  /** Host path of the container's own writable (upper) layer, '' when unknown. */
  readonly upperDir: string;
  /** Where the paths came from, e.g. 'containerd-snapshots', 'crio-verbose', 'none'. */
  readonly source: string;
  /** False when the runtime did not give enough to name both paths exactly. */
  readonly complete: boolean;
}

export const UNKNOWN_LAYER: WritableLayer = Object.freeze({ mergedDir: '', upperDir: '', source: 'none', complete: false });
