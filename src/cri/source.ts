// The read side of CRI that the poller depends on. CriClient implements it;
// tests may pass any other implementation.
import type {
  ApiVersion, ContainerDetail, ContainerSummary, ContainerUsage, Image, ImageFs, PodSandbox, PodSandboxDetail, PodSandboxUsage,
  RuntimeCondition, RuntimeVersion,
} from './types.js';

export interface RuntimeSource {
  readonly apiVersion: ApiVersion | undefined;
  version(): Promise<RuntimeVersion>;
  status(): Promise<RuntimeCondition[]>;
  listPodSandboxes(): Promise<PodSandbox[]>;
  listContainers(): Promise<ContainerSummary[]>;
  containerStatus(id: string): Promise<ContainerDetail>;
  /** Verbose; only for a sandbox whose containers report relative log paths. */
  podSandboxStatus(id: string): Promise<PodSandboxDetail>;
  listContainerStats(): Promise<ContainerUsage[]>;
  /** `withContainers`: also the container stats inside each pod's (PodSandboxUsage.containers); else those are empty. */
  listPodSandboxStats(withContainers: boolean): Promise<PodSandboxUsage[]>;
  imageFsInfo(): Promise<ImageFs[]>;
  listImages(): Promise<Image[]>;
  resetNegotiation(): void;
  /** True once after the connection to the runtime was re-established. */
  takeReconnect(): boolean;
}
