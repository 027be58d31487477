// The immutable picture of the node that one poll produces. Every HTTP
// response and every metric is rendered from one Snapshot, never from the
// runtime directly.
import { isDeepStrictEqual } from 'node:util';
import type {
  ApiVersion, ContainerState, ContainerUsage, Image, ImageFs, PodSandbox, PodSandboxUsage, RuntimeCondition,
} from '../cri/types.js';
import type { CgroupStats, NetInterface } from '../cgroups/types.js';
import type { LogFormat } from '../runtimes/detect.js';
import type { WritableLayer } from '../runtimes/writable-layer.js';

export interface RuntimeInfo {
  /** Normalised runtime type: containerd, cri-o, docker, or the runtime's own name. */
  readonly type: string;
  /** Runtime name as reported by Version. */
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
  /** CRI API package in use: v1 or v1alpha2; '' until negotiated. */
  readonly criApiVersion: ApiVersion | '';
  readonly endpoint: string;
  readonly nodeName: string;
  /** The Node object's containerRuntimeVersion and whether it matches CRI's answer; absent without the Kubernetes API. */
  readonly kubernetes?: { readonly containerRuntimeVersion: string; readonly agrees: boolean };
}

export interface PodRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly sandboxId: string;
  readonly runtimeHandler: string;
  /** The pod's labels, as the kubelet put them on the sandbox. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface Container {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly state: ContainerState;
  readonly createdAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  readonly image: string;
  readonly imageRef: string;
  readonly pod: PodRef;
  readonly logPath: string;
  readonly logFormat: LogFormat;
  readonly writableLayer: WritableLayer;
  readonly labels: Readonly<Record<string, string>>;
  /** The container's cgroup as the runtime set it (cgroupfs path or systemd form); '' when unknown. */
  readonly cgroupPath: string;
  /** The container's process in the host's PID namespace, from the runtime; 0 when unknown or not running. */
  readonly pid: number;
  readonly runtime: { readonly name: string; readonly version: string };
  /** True when ContainerStatus has answered for it; false means log path and times are unknown. */
  readonly detailed: boolean;
}

/** A pod sandbox as the runtime lists it; what it uses this poll is kept beside it (podUsage, podHost). */
export type Pod = PodSandbox;

/** What the host tells of one pod in one poll. */
export interface PodHostFigures {
  /** Interfaces of the pod's network namespace; absent for host-network pods or when unreadable. */
  readonly netDev?: readonly NetInterface[];
  /** Processes in the pod's cgroup (pids.current); absent without a readable pids controller. */
  readonly processes?: number;
}

/** A container the runtime no longer lists, kept for log discovery until the grace period ends. */
export interface Departed {
  readonly container: Container;
  /** Unix seconds of the first poll that no longer listed it. */
  readonly removedAt: number;
}

/** One part of a poll that failed, e.g. ListPodSandboxStats. */
export interface PartError {
  readonly part: string;
  readonly message: string;
}

export interface Snapshot {
  /** Increments with every poll, successful or not. */
  readonly seq: number;
  /** Unix seconds when the poll that built it finished. */
  readonly takenAt: number;
  /** Whether the runtime answered the calls a snapshot cannot do without. */
  readonly ok: boolean;
  /** Unix seconds of the last successful poll; 0 when none. */
  readonly lastSuccessAt: number;
  readonly runtime: RuntimeInfo;
  readonly conditions: readonly RuntimeCondition[];
  /** Sorted by namespace, name, id; the previous snapshot's list while no pod comes, goes or changes. */
  readonly pods: readonly Pod[];
  /** The runtime's latest pod stats by sandbox ID (ListPodSandboxStats); empty when the call was left out or failed. */
  readonly podUsage: ReadonlyMap<string, PodSandboxUsage>;
  /** What the host-stats step read of each ready pod this poll, by sandbox ID. */
  readonly podHost: ReadonlyMap<string, PodHostFigures>;
  /**
   * Sorted by namespace, pod, container name, attempt, id. What a container
   * is changes rarely, what it uses every poll: the figures are kept beside
   * it (usage, cgroups), so that an unchanged container is the very same
   * object from one snapshot to the next (and the list too, while no
   * container comes, goes or changes).
   */
  readonly containers: readonly Container[];
  /** The runtime's latest stats by container ID (ListContainerStats); a container without stats this poll is absent. */
  readonly usage: ReadonlyMap<string, ContainerUsage>;
  /** Figures read from each running container's cgroup this poll, by container ID; absent when not running, gone, or no cgroup mount. */
  readonly cgroups: ReadonlyMap<string, CgroupStats>;
  /** Containers gone from the runtime within --removed-grace, oldest removal first. */
  readonly departed: readonly Departed[];
  readonly images: readonly Image[];
  readonly imageFs: readonly ImageFs[];
  readonly errors: readonly PartError[];
}

export function emptySnapshot(runtime: RuntimeInfo): Snapshot {
  return Object.freeze({
    seq: 0, takenAt: 0, ok: false, lastSuccessAt: 0, runtime,
    conditions: [], pods: [], podUsage: new Map(), podHost: new Map(), containers: [], usage: new Map(), cgroups: new Map(), departed: [], images: [], imageFs: [],
    errors: [{ part: 'poll', message: 'no poll has completed yet' }],
  });
}

/** Freezes a snapshot part and everything it holds; parts frozen already (shared with the snapshot before) are not walked again. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Indexes and for-in walk the parts without an array of values per object
    // (Object.values allocated one for each of the thousands a poll freezes).
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) freezePart(value[i]);
    } else {
      const o = value as Record<string, unknown>;
      for (const k in o) freezePart(o[k]);
    }
  }
  return value;
}

/** Most of a container's fields are strings and numbers, and its shared parts are frozen: those cost no call. */
function freezePart(v: unknown): void {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v);
}

/**
 * Whether two containers (or two pods) are equal: every field the same
 * value, nested parts (labels, pod, writable layer) equal whatever their
 * key order (a runtime's Go maps have none). Field by field, so that an
 * unchanged container's strings and numbers cost one comparison each,
 * without an array of keys per container.
 */
export function sameRecord<T extends object>(a: T, b: T): boolean {
  if (a === b) return true;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const key in y) {
    if (!(key in x) || (x[key] !== y[key] && !isDeepStrictEqual(x[key], y[key]))) return false;
  }
  for (const key in x) if (!(key in y)) return false;
  return true;
}

/** Items by their `id`, the last of equal IDs winning (as `new Map(items.map(…))`), without a pair per item. */
export function byId<T extends { readonly id: string }>(items: readonly T[]): Map<string, T> {
  const index = new Map<string, T>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    index.set(item.id, item);
  }
  return index;
}

const listIndexes = new WeakMap<readonly object[], ReadonlyMap<string, object>>();

/**
 * Remembers `index` as the index by ID of `list`, which must not change
 * afterwards: validation (validate.ts) indexes a poll's lists as it checks
 * their IDs, and the snapshot is built from the same lists.
 */
export function rememberIndex<T extends { readonly id: string }>(list: readonly T[], index: ReadonlyMap<string, T>): void {
  listIndexes.set(list, index);
}

/**
 * A list's items by ID, indexed once per list where the list cannot change:
 * a frozen list (a snapshot's: the watch diff, the next poll and, for the
 * list it builds, the poll itself look items up in the one index) or one
 * whose index validation remembered. Any other list is indexed anew.
 */
export function indexById<T extends { readonly id: string }>(list: readonly T[]): ReadonlyMap<string, T> {
  let index = listIndexes.get(list) as ReadonlyMap<string, T> | undefined;
  if (index === undefined) {
    index = byId(list);
    if (Object.isFrozen(list)) listIndexes.set(list, index);
  }
  return index;
}
