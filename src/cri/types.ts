// Domain types of what the runtime reports. The CRI client converts proto
// messages into these once, at the edge; nothing past src/cri sees a proto.

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';
export type SandboxState = 'ready' | 'notready';

/** CRI API versions this agent speaks, newest first. */
export const API_VERSIONS = ['v1', 'v1alpha2'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export interface RuntimeVersion {
  /** Raw `runtime_name` as the runtime reports it. */
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
}

export interface RuntimeCondition {
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

export interface PodSandbox {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
  readonly state: SandboxState;
  /** Unix seconds (fractional). */
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly runtimeHandler: string;
}

/** What verbose PodSandboxStatus adds: asked only to resolve relative container log paths. */
export interface PodSandboxDetail {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** The kubelet's log_directory for the pod, when the runtime's verbose info carries it; else ''. */
  readonly logDirectory: string;
}

/** What ListContainers says of a container: cheap, refreshed every poll. */
export interface ContainerSummary {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly attempt: number;
  readonly image: string;
  readonly imageRef: string;
  readonly state: ContainerState;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** What ContainerStatus adds: fixed for a container ID, except on a state change. */
export interface ContainerDetail {
  readonly id: string;
  readonly state: ContainerState;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  readonly reason: string;
  readonly logPath: string;
  readonly image: string;
  readonly imageRef: string;
  /** Verbose info: runtime-specific JSON documents keyed by name. */
  readonly info: Readonly<Record<string, string>>;
}

export interface ContainerUsage {
  readonly id: string;
  /** Unix seconds of the sample. */
  readonly timestamp: number;
  readonly cpuUsageCoreNanoSeconds?: number;
  readonly memoryWorkingSetBytes?: number;
  readonly memoryUsageBytes?: number;
  readonly memoryRssBytes?: number;
  readonly memoryPageFaults?: number;
  readonly memoryMajorPageFaults?: number;
  readonly swapUsageBytes?: number;
  readonly writableLayer?: FilesystemUsage;
}

export interface FilesystemUsage {
  readonly mountpoint: string;
  readonly usedBytes?: number;
  readonly inodesUsed?: number;
}

export interface NetworkInterfaceUsage {
  readonly name: string;
  readonly rxBytes?: number;
  readonly rxErrors?: number;
  readonly txBytes?: number;
  readonly txErrors?: number;
}

export interface PodSandboxUsage {
  readonly id: string;
  readonly timestamp: number;
  readonly interfaces: readonly NetworkInterfaceUsage[];
  readonly processes?: number;
  /**
   * The stats of the pod's containers, which containerd and CRI-O repeat
   * inside each pod's; empty when the caller did not ask for them.
   */
  readonly containers: readonly ContainerUsage[];
}

export interface Image {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly sizeBytes: number;
}

export interface ImageFs {
  readonly mountpoint: string;
  readonly usedBytes?: number;
  readonly inodesUsed?: number;
}
