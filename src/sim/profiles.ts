// How each real runtime answers, as data: names and versions, paths, ID
// formats, which stats fields it fills, and its verbose info document. Facts
// come from reading containerd 1.6/1.7 (pkg/cri/server), CRI-O 1.20/1.29
// (server/, internal/lib/stats) and cri-dockerd 0.3 (core/) sources.
import { status } from '@grpc/grpc-js';
import type { ApiVersion } from '../cri/types.js';
import type { SimContainer, SimImage, SimPod } from './world.js';

export type ProfileName = 'containerd' | 'cri-o' | 'docker';
export const PROFILE_NAMES: readonly ProfileName[] = ['containerd', 'cri-o', 'docker'];

export interface VersionAnswer {
  /** Every runtime still answers kubelet's historical "0.1.0" here. */
  readonly version: string;
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
}

export interface ErrorAnswer {
  readonly code: number;
  readonly message: string;
}

export interface StatsShape {
  /**
   * Exited containers in ListContainerStats: containerd lists every container but
   * has no task metrics for a dead one ('bare': attributes and writable layer only);
   * CRI-O skips stopped containers ('omit'); docker stats of a stopped container are zeros.
   */
  readonly exited: 'bare' | 'omit' | 'zero';
  /** usage_nano_cores: containerd 0 on first sight, CRI-O absent on first sight, cri-dockerd never. */
  readonly nanoCores: 'zero-first' | 'absent-first' | 'never';
  /** cgroup memory (working set, usage, rss, faults) or docker's working set alone. */
  readonly memory: 'cgroup' | 'working-set-only';
  /** containerd: limit - working set (0 unlimited); CRI-O 1.29: usage - limit, which wraps around uint64. */
  readonly availableBytes: 'limit-minus-working-set' | 'usage-minus-limit';
  readonly writableLayerInodes: boolean;
  /** containerd reports its snapshot sync time (every 10 s), not the request time. */
  readonly writableLayerTimestamp: 'sync-10s' | 'now';
  /** containerd: eth0 as default_interface; CRI-O: first link (lo) as default, the rest listed, no timestamp. */
  readonly network: 'eth0-default' | 'all-links';
  /** cri-dockerd on Linux has no PodSandboxStats RPCs at all. */
  readonly sandboxStats: boolean;
  /**
   * containerd fails the whole ListPodSandboxStats for one sandbox it cannot measure
   * (no cgroup parent; not ready, unless a filter was given). CRI-O logs and carries on.
   */
  readonly sandboxStatsStrict: boolean;
  /** CRI-O computes usage_nano_cores for sandboxes too; containerd 1.6 does not. */
  readonly sandboxNanoCores: boolean;
  /** CRI-O reads pids.current of the pod cgroup (pause included); containerd counts the containers' pids. */
  readonly sandboxPidsIncludePause: boolean;
}

/** What ImageFsInfo's used bytes and inodes are computed from. */
export interface ImageFsInputs {
  readonly imageCount: number;
  readonly imageBytes: number;
  readonly layerBytes: number;
  readonly layerInodes: number;
}

export interface RuntimeProfile {
  readonly name: ProfileName;
  readonly description: string;
  /** APIs the current release serves; a v1alpha2-only release serves just runtime.v1alpha2. */
  readonly serves: readonly ApiVersion[];
  readonly version: Readonly<Record<ApiVersion, VersionAnswer>>;
  /** Version answer of the runtime's last v1alpha2-only release. */
  readonly alphaOnlyVersion: VersionAnswer;
  /** Name of the default handler; kubelet sends '' and only containerd echoes back what it got. */
  readonly runtimeHandler: string;
  readonly reportsRuntimeHandler: boolean;
  /** kubelet's --pod-log-dir; every runtime returns `<log_directory>/<log_path>` joined. */
  readonly logRoot: string;
  readonly imageFsMountpoint: string;
  imageFsUsage(i: ImageFsInputs): { readonly bytes: number; readonly inodes: number };
  /** containerd 1.6 predates pinned images; CRI-O and cri-dockerd pin the pause image. */
  readonly pinsSandboxImage: boolean;
  /** cri-dockerd takes list timestamps from `docker ps`, which has whole seconds. */
  readonly listCreatedAtSeconds: boolean;
  writableLayerMountpoint(c: SimContainer): string;
  /** Image ID as ListImages, ListContainers (image and image_ref: kubelet passes the ID) give it. */
  imageId(img: SimImage): string;
  /** image_ref in ContainerStatus. */
  statusImageRef(img: SimImage): string;
  cgroupsPath(pod: SimPod, c: SimContainer): string;
  /** Verbose ContainerStatus info map. */
  info(pod: SimPod, c: SimContainer, alphaOnly: boolean): Record<string, string>;
  notFound(kind: 'container' | 'sandbox', id: string): ErrorAnswer;
  readonly stats: StatsShape;
}

const KUBE_API_VERSION = '0.1.0';
const answer = (runtimeName: string, runtimeVersion: string, runtimeApiVersion: string): VersionAnswer => ({
  version: KUBE_API_VERSION, runtimeName, runtimeVersion, runtimeApiVersion,
});

/** systemd driver: kubelet names pod slices with the UID's dashes turned into underscores. */
function podSlice(pod: SimPod): string {
  const uid = pod.uid.replace(/-/g, '_');
  return pod.qos === 'guaranteed' ? `kubepods-pod${uid}.slice` : `kubepods-${pod.qos}-pod${uid}.slice`;
}

const ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443'];

function ociProcess(c: SimContainer): object {
  const uid = c.image.user === '' ? 0 : Number(c.image.user);
  return { user: { uid, gid: uid }, args: [`/usr/local/bin/${c.name}`], env: [...ENV, `HOSTNAME=${c.podId.slice(0, 12)}`], cwd: '/', oomScoreAdj: 999 };
}

/** kubelet derives cpu.shares from the CPU request; the average use stands in for it. */
const cpuShares = (c: SimContainer) => Math.max(2, Math.round(c.model.cpuCores * 1024));

function ociLinux(pod: SimPod, c: SimContainer, cgroupsPath: string): object {
  const limit = c.model.memLimitBytes;
  return {
    resources: { memory: limit > 0 ? { limit } : {}, cpu: { shares: cpuShares(c), period: 100000 } },
    cgroupsPath,
    namespaces: [
      { type: 'pid' }, { type: 'ipc', path: `/proc/${pod.pid}/ns/ipc` }, { type: 'uts', path: `/proc/${pod.pid}/ns/uts` },
      { type: 'mount' }, { type: 'network', path: `/proc/${pod.pid}/ns/net` },
    ],
  };
}

/** containerd's ContainerInfo: the CRI config is Go-marshalled, hence snake_case and omitted zero values. */
function containerdInfo(pod: SimPod, c: SimContainer): Record<string, string> {
  const cgroupsPath = c.cgroupPath;
  const doc = {
    sandboxID: pod.id,
    pid: c.state === 'CONTAINER_RUNNING' ? c.pid : 0,
    removing: false,
    snapshotKey: c.id,
    snapshotter: 'overlayfs',
    runtimeType: 'io.containerd.runc.v2',
    runtimeOptions: {},
    config: {
      metadata: c.attempt > 0 ? { name: c.name, attempt: c.attempt } : { name: c.name },
      image: { image: `sha256:${c.image.id}` },
      envs: ENV.slice(1).map((kv) => ({ key: kv.split('=')[0], value: kv.split('=')[1] })),
      labels: c.labels,
      annotations: c.annotations,
      log_path: c.logPath,
      linux: { resources: { cpu_period: 100000, cpu_shares: cpuShares(c), oom_score_adj: 999 }, security_context: {} },
    },
    runtimeSpec: {
      ociVersion: '1.0.2-dev',
      process: ociProcess(c),
      root: { path: 'rootfs' },
      annotations: {
        'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': c.name,
        'io.kubernetes.cri.image-name': c.image.name, 'io.kubernetes.cri.sandbox-id': pod.id,
        'io.kubernetes.cri.sandbox-name': pod.name, 'io.kubernetes.cri.sandbox-namespace': pod.namespace,
      },
      linux: ociLinux(pod, c, cgroupsPath),
    },
  };
  return { info: JSON.stringify(doc) };
}

const crioMergedDir = (c: SimContainer) => `/var/lib/containers/storage/overlay/${c.layerId}/merged`;
const crioCgroupsPath = (pod: SimPod, c: SimContainer) => `${podSlice(pod)}:crio:${c.id}`;

/** CRI-O's containerInfo: the OCI spec's root is the overlay merged dir itself. */
function crioInfo(pod: SimPod, c: SimContainer): Record<string, string> {
  const doc = {
    sandboxID: pod.id,
    pid: c.state === 'CONTAINER_RUNNING' ? c.pid : 0,
    runtimeSpec: {
      ociVersion: '1.1.0',
      process: ociProcess(c),
      root: { path: crioMergedDir(c) },
      hostname: pod.name,
      annotations: {
        'io.kubernetes.cri-o.ContainerID': c.id, 'io.kubernetes.cri-o.ContainerType': 'container',
        'io.kubernetes.cri-o.SandboxID': pod.id, 'io.kubernetes.cri-o.MountPoint': crioMergedDir(c),
        'io.kubernetes.cri-o.ImageName': c.image.name, 'io.kubernetes.cri-o.LogPath': `${pod.logDirectory}/${c.logPath}`,
        ...c.annotations,
      },
      linux: ociLinux(pod, c, crioCgroupsPath(pod, c)),
    },
    privileged: false,
  };
  return { info: JSON.stringify(doc) };
}

const containerd: RuntimeProfile = {
  name: 'containerd',
  description: 'containerd 1.6 (distribution package), CRI plugin, overlayfs snapshotter, runc v2 shim, cgroupfs driver',
  serves: ['v1', 'v1alpha2'],
  version: { v1: answer('containerd', '1.6.20~ds1', 'v1'), v1alpha2: answer('containerd', '1.6.20~ds1', 'v1alpha2') },
  alphaOnlyVersion: answer('containerd', 'v1.5.18', 'v1alpha2'),
  runtimeHandler: 'runc',
  reportsRuntimeHandler: true,
  logRoot: '/var/log/pods',
  imageFsMountpoint: '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs',
  // Every snapshot: image layers and containers' writable layers alike.
  imageFsUsage: (i) => ({ bytes: i.imageBytes + i.layerBytes, inodes: Math.floor(i.imageBytes / 16_384) + i.layerInodes }),
  pinsSandboxImage: false,
  listCreatedAtSeconds: false,
  // The snapshotter root, the same for every container: it names no container's layer.
  writableLayerMountpoint: () => '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs',
  imageId: (img) => `sha256:${img.id}`,
  statusImageRef: (img) => `${img.repo}@sha256:${img.digest}`,
  cgroupsPath: (_pod, c) => c.cgroupPath,
  info: (pod, c) => containerdInfo(pod, c),
  notFound: (kind, id) => ({
    code: status.NOT_FOUND,
    message: `an error occurred when try to find ${kind} "${id}": not found`,
  }),
  stats: {
    exited: 'bare', nanoCores: 'zero-first', memory: 'cgroup', availableBytes: 'limit-minus-working-set',
    writableLayerInodes: true, writableLayerTimestamp: 'sync-10s', network: 'eth0-default',
    sandboxStats: true, sandboxStatsStrict: true, sandboxNanoCores: false, sandboxPidsIncludePause: false,
  },
};

const crio: RuntimeProfile = {
  name: 'cri-o',
  description: 'CRI-O 1.29, containers/storage overlay driver, runc, systemd cgroup manager',
  serves: ['v1'],
  version: { v1: answer('cri-o', '1.29.1', 'v1'), v1alpha2: answer('cri-o', '1.29.1', 'v1alpha2') },
  // CRI-O up to 1.21 served only runtime.v1alpha2 yet answered "v1alpha1" here.
  alphaOnlyVersion: answer('cri-o', '1.20.9', 'v1alpha1'),
  runtimeHandler: 'runc',
  reportsRuntimeHandler: false,
  logRoot: '/var/log/pods',
  imageFsMountpoint: '/var/lib/containers/storage/overlay-images',
  // The overlay-images directory holds manifests and configs only, so it is small.
  imageFsUsage: (i) => ({ bytes: 40_960 * i.imageCount, inodes: 6 * i.imageCount }),
  pinsSandboxImage: true,
  listCreatedAtSeconds: false,
  writableLayerMountpoint: crioMergedDir,
  imageId: (img) => img.id,
  statusImageRef: (img) => img.id,
  cgroupsPath: crioCgroupsPath,
  info: (pod, c) => crioInfo(pod, c),
  notFound: (kind, id) => ({
    code: status.NOT_FOUND,
    message: kind === 'container' ? `could not find container "${id}": container with ID starting with ${id} not found: ID does not exist`
      : `could not find pod "${id}": PodSandbox with ID starting with ${id} not found: ID does not exist`,
  }),
  stats: {
    exited: 'omit', nanoCores: 'absent-first', memory: 'cgroup', availableBytes: 'usage-minus-limit',
    writableLayerInodes: true, writableLayerTimestamp: 'now', network: 'all-links',
    sandboxStats: true, sandboxStatsStrict: false, sandboxNanoCores: true, sandboxPidsIncludePause: true,
  },
};

const docker: RuntimeProfile = {
  name: 'docker',
  description: 'cri-dockerd 0.3 in front of Docker Engine 24 (overlay2, cgroupfs)',
  serves: ['v1', 'v1alpha2'],
  version: { v1: answer('docker', '24.0.7', 'v1'), v1alpha2: answer('docker', '24.0.7', 'v1alpha2') },
  // dockershim and cri-dockerd before v1 support passed Docker's API version through, with ".0" appended.
  alphaOnlyVersion: answer('docker', '20.10.24', '1.41.0'),
  runtimeHandler: '',
  reportsRuntimeHandler: false,
  logRoot: '/var/log/pods',
  // Docker's root dir, for image fs and writable layers alike.
  imageFsMountpoint: '/var/lib/docker',
  // Sum of image sizes, but the inode count of the whole filesystem under the root dir.
  imageFsUsage: (i) => ({ bytes: i.imageBytes, inodes: 1_048_576 + i.layerInodes }),
  pinsSandboxImage: true,
  listCreatedAtSeconds: true,
  writableLayerMountpoint: () => '/var/lib/docker',
  imageId: (img) => `sha256:${img.id}`,
  statusImageRef: (img) => `docker-pullable://${img.repo}@sha256:${img.digest}`,
  cgroupsPath: (_pod, c) => c.cgroupPath,
  // cri-dockerd >= 0.2.6 gives sandbox ID and pid only, no OCI spec; dockershim gave nothing.
  info: (pod, c, alphaOnly): Record<string, string> => (alphaOnly ? {}
    : { info: JSON.stringify({ sandboxID: pod.id, pid: c.state === 'CONTAINER_RUNNING' ? c.pid : 0 }) }),
  // The Docker client's error passes through unconverted, so gRPC says UNKNOWN.
  notFound: (_kind, id) => ({ code: status.UNKNOWN, message: `Error response from daemon: No such container: ${id}` }),
  stats: {
    exited: 'zero', nanoCores: 'never', memory: 'working-set-only', availableBytes: 'limit-minus-working-set',
    writableLayerInodes: false, writableLayerTimestamp: 'now', network: 'eth0-default',
    sandboxStats: false, sandboxStatsStrict: false, sandboxNanoCores: false, sandboxPidsIncludePause: false,
  },
};

const PROFILES: Readonly<Record<ProfileName, RuntimeProfile>> = { containerd, 'cri-o': crio, docker };

export function getProfile(name: ProfileName): RuntimeProfile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown simulated runtime profile "${String(name)}"; expected one of ${PROFILE_NAMES.join(', ')}`);
  return p;
}

/** A v1alpha2-only runtime is an older release: only runtime.v1alpha2, and none of the RPCs CRI added later. */
export function servedApis(p: RuntimeProfile, v1alpha2Only: boolean): readonly ApiVersion[] {
  return v1alpha2Only ? ['v1alpha2'] : p.serves;
}

export function versionAnswer(p: RuntimeProfile, api: ApiVersion, v1alpha2Only: boolean): VersionAnswer {
  return v1alpha2Only ? p.alphaOnlyVersion : p.version[api];
}

/** PodSandboxStats came with cri-api 0.22; the v1alpha2-only releases predate it. */
export function servesSandboxStats(p: RuntimeProfile, v1alpha2Only: boolean): boolean {
  return p.stats.sandboxStats && !v1alpha2Only;
}

/** What every runtime reports as ContainerStatus.log_path: kubelet's two halves joined. */
export function logPathOf(pod: SimPod, c: SimContainer): string {
  return `${pod.logDirectory}/${c.logPath}`;
}
