// The objects of the simulated node as World holds them. Plain data: World
// (src/sim/world.ts) creates and changes them, src/sim/usage.ts computes their
// usage, src/sim/answers.ts renders them as CRI messages.

export type SimContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type SimSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

export interface SimImage {
  /** `repo:tag`, always registry-less, e.g. `localhost/demo/web:1.0`. */
  readonly name: string;
  readonly repo: string;
  readonly tag: string;
  /** Image (config) ID: 64 hex digits, no algorithm prefix. */
  readonly id: string;
  /** Manifest digest: 64 hex digits, no algorithm prefix. */
  readonly digest: string;
  readonly sizeBytes: number;
  /** The image config's User ('' = root by default). */
  readonly user: string;
  /** Runtimes pin the sandbox (pause) image so that image GC keeps it. */
  readonly pinned: boolean;
}

/**
 * Per-container constants from which usage is computed. CPU runs at cpuCores on
 * average with a relative swing below 1 (so the counter never stalls); memory
 * oscillates around memBytes; memLimitBytes 0 means no limit.
 */
export interface UsageModel {
  readonly cpuCores: number; readonly cpuSwing: number; readonly cpuPeriodS: number;
  readonly memBytes: number; readonly memSwingBytes: number; readonly memPeriodS: number; readonly phase: number;
  readonly cacheBytes: number; readonly rssRatio: number; readonly memLimitBytes: number;
  readonly faultsPerS: number; readonly majorFaultsPerS: number;
  readonly layerBytes: number; readonly layerBytesPerS: number; readonly layerInodes: number;
  readonly processes: number;
}

/** Mutable fields change only through World's methods. */
export interface SimContainer {
  readonly id: string; readonly podId: string; readonly name: string; readonly attempt: number;
  readonly image: SimImage;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  state: SimContainerState;
  /** Unix milliseconds; 0 = not reached. */
  readonly createdAt: number; startedAt: number; finishedAt: number;
  exitCode: number; reason: string;
  /** Relative to the pod's log directory, as kubelet sets it: `<name>/<attempt>.log`. */
  readonly logPath: string;
  /** cgroupfs form, e.g. `/kubepods/burstable/pod<uid>/<id>`. */
  readonly cgroupPath: string;
  /** Storage layer ID of the writable layer (CRI-O names its overlay dir after it). */
  readonly layerId: string;
  readonly pid: number;
  readonly model: UsageModel;
}

export interface SimPod {
  readonly id: string; readonly name: string; readonly namespace: string; readonly uid: string; readonly attempt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  state: SimSandboxState;
  readonly createdAt: number;
  /** What kubelet asked for: '' unless the pod has a RuntimeClass. */
  readonly runtimeHandler: string;
  readonly qos: QosClass;
  /** cgroupfs form, e.g. `/kubepods/burstable/pod<uid>`; '' reproduces a sandbox without one. */
  readonly cgroupParent: string;
  /** Absolute, as kubelet sets it: `<logRoot>/<ns>_<name>_<uid>`. */
  readonly logDirectory: string;
  readonly ip: string;
  /** PID of the pause process. */
  readonly pid: number;
  readonly rxBytesPerS: number; readonly txBytesPerS: number;
}
