// The adapter for each runtime type; every runtime-specific module is named here and nowhere else.
import type { Endpoint } from '../cri/endpoint.js';
import type { AdapterFactory } from './adapter.js';
import { containerdAdapter } from './containerd.js';
import { crioAdapter } from './crio.js';
import { dockerAdapter } from './docker.js';
import { genericAdapter } from './generic.js';

export interface AdapterDeps {
  /** The CRI endpoint; containerd serves its native API on the same socket. */
  readonly runtimeEndpoint: Endpoint;
  /** Docker Engine API, for the docker runtime. */
  readonly dockerEndpoint?: Endpoint;
  /** Where the host's /proc is mounted. */
  readonly hostProc: string;
  /** Deadline of each native call, in milliseconds. */
  readonly timeoutMs: number;
}

export function adapterFactory(deps: AdapterDeps): AdapterFactory {
  void deps;
  return (type) => {
    switch (type) {
      case 'containerd':
        return containerdAdapter(deps);
      case 'cri-o':
        return crioAdapter(deps);
      case 'docker':
        return dockerAdapter(deps);
      default:
        return genericAdapter(type);
    }
  };
}
