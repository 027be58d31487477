// A failed call to containerd's own gRPC API (not CRI), naming the call, the
// endpoint and the gRPC status, so that a degraded writable layer can be
// traced to its cause.

export class ContainerdApiError extends Error {
  constructor(
    /** Full method, e.g. `Snapshots/Mounts`. */
    readonly method: string,
    /** The endpoint as displayed, e.g. unix:///run/containerd/containerd.sock. */
    readonly endpoint: string,
    /** gRPC status name, e.g. UNAVAILABLE, NOT_FOUND, UNIMPLEMENTED. */
    readonly code: string,
    detail: string,
  ) {
    super(`containerd ${method} on ${endpoint} failed: ${code}: ${detail}`);
    this.name = 'ContainerdApiError';
  }

  /**
   * The API itself cannot answer right now (daemon down, socket without the
   * service, deadline passed), as opposed to an answer about this one
   * snapshot (NOT_FOUND: the container went away between calls).
   */
  get apiDown(): boolean {
    return this.code === 'UNAVAILABLE' || this.code === 'UNIMPLEMENTED' || this.code === 'DEADLINE_EXCEEDED';
  }
}
