// Field numbers the hand-written list decoders read, by message, as
// proto/cri/api.proto declares them (the same in runtime.v1 and v1alpha2).
// Keys are the proto's field names in camelCase, so that a test can hold
// every number here against the proto file itself.

export const FIELDS = {
  ListContainersResponse: { containers: 1 },
  Container: { id: 1, podSandboxId: 2, metadata: 3, image: 4, imageRef: 5, state: 6, createdAt: 7, labels: 8 },
  ContainerMetadata: { name: 1, attempt: 2 },
  ImageSpec: { image: 1 },

  ListPodSandboxResponse: { items: 1 },
  PodSandbox: { id: 1, metadata: 2, state: 3, createdAt: 4, labels: 5, runtimeHandler: 7 },
  PodSandboxMetadata: { name: 1, uid: 2, namespace: 3, attempt: 4 },

  /** Every map<string, string> travels as repeated entries of this shape. */
  MapEntry: { key: 1, value: 2 },
  UInt64Value: { value: 1 },

  ListContainerStatsResponse: { stats: 1 },
  ContainerStats: { attributes: 1, cpu: 2, memory: 3, writableLayer: 4, swap: 5 },
  ContainerAttributes: { id: 1 },
  CpuUsage: { timestamp: 1, usageCoreNanoSeconds: 2 },
  MemoryUsage: { timestamp: 1, workingSetBytes: 2, usageBytes: 4, rssBytes: 5, pageFaults: 6, majorPageFaults: 7 },
  SwapUsage: { swapUsageBytes: 3 },
  FilesystemUsage: { fsId: 2, usedBytes: 3, inodesUsed: 4 },
  FilesystemIdentifier: { mountpoint: 1 },

  ListPodSandboxStatsResponse: { stats: 1 },
  PodSandboxStats: { attributes: 1, linux: 2 },
  PodSandboxAttributes: { id: 1 },
  LinuxPodSandboxStats: { network: 3, process: 4, containers: 5 },
  NetworkUsage: { timestamp: 1, defaultInterface: 2, interfaces: 3 },
  NetworkInterfaceUsage: { name: 1, rxBytes: 2, rxErrors: 3, txBytes: 4, txErrors: 5 },
  ProcessUsage: { processCount: 2 },
} as const;
