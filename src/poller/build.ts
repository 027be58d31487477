// The pure step of a poll: what the runtime answered → a Snapshot. No I/O,
// no clock: everything comes in as arguments, so it is tested on literals.
import type { ContainerSummary, ContainerUsage, PodSandbox, PodSandboxUsage } from '../cri/types.js';
import { logFormatOf } from '../runtimes/detect.js';
import { UNKNOWN_LAYER, type WritableLayer } from '../runtimes/writable-layer.js';
import type { KnownDetail } from './details.js';
import type { Container, Departed, PartError, Pod, RuntimeInfo, Snapshot } from './snapshot.js';

export interface PollResults {
  readonly runtime: RuntimeInfo;
  readonly conditions: Snapshot['conditions'];
  readonly sandboxes: readonly PodSandbox[];
  readonly containers: readonly ContainerSummary[];
  readonly details: ReadonlyMap<string, KnownDetail>;
  readonly containerUsage: readonly ContainerUsage[];
  readonly sandboxUsage: readonly PodSandboxUsage[];
  readonly images: Snapshot['images'];
  readonly imageFs: Snapshot['imageFs'];
  readonly errors: readonly PartError[];
  /** False when the core lists (sandboxes, containers) could not be read. */
  readonly ok: boolean;
  /** The runtime's per-poll writable layer source (CRI-O's stats); none by default. */
  readonly writableLayerFromStats?: (usage: ContainerUsage | undefined) => WritableLayer | undefined;
}

export interface BuildContext {
  readonly seq: number;
  readonly now: number;
  readonly lastSuccessAt: number;
  /** The snapshot before this one: its containers that are gone now become departed. */
  readonly previous?: Snapshot;
  /** How long a departed container is kept, in seconds. */
  readonly removedGraceSeconds?: number;
}

export function buildSnapshot(r: PollResults, ctx: BuildContext): Snapshot {
  const sandboxes = new Map(r.sandboxes.map((s) => [s.id, s]));
  const usage = new Map(r.containerUsage.map((u) => [u.id, u]));
  const containers = r.containers
    .map((c) => toContainer(c, sandboxes.get(c.sandboxId), r.details.get(c.id), usage.get(c.id), r))
    .sort(compareContainers);
  const sandboxUsage = new Map(r.sandboxUsage.map((u) => [u.id, u]));
  const pods: Pod[] = r.sandboxes
    .map((s) => ({ ...s, usage: sandboxUsage.get(s.id) }))
    .sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(a.id, b.id));
  return deepFreeze({
    seq: ctx.seq,
    takenAt: ctx.now,
    ok: r.ok,
    lastSuccessAt: r.ok ? ctx.now : ctx.lastSuccessAt,
    runtime: r.runtime,
    conditions: r.conditions,
    pods,
    containers,
    departed: departedSince(ctx, containers),
    images: r.images,
    imageFs: r.imageFs,
    errors: r.errors,
  });
}

// The kubelet puts the Kubernetes names on every container as labels; the
// sandbox metadata is the fallback for containers not made by a kubelet.
const POD_NAME = 'io.kubernetes.pod.name';
const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
const POD_UID = 'io.kubernetes.pod.uid';
const CONTAINER_NAME = 'io.kubernetes.container.name';

function toContainer(
  c: ContainerSummary,
  sandbox: PodSandbox | undefined,
  known: KnownDetail | undefined,
  usage: ContainerUsage | undefined,
  r: PollResults,
): Container {
  const detail = known?.detail;
  return {
    id: c.id,
    name: c.labels[CONTAINER_NAME] || c.name,
    attempt: c.attempt,
    state: detail?.state ?? c.state,
    createdAt: c.createdAt,
    startedAt: detail?.startedAt ?? 0,
    finishedAt: detail?.finishedAt ?? 0,
    exitCode: detail?.exitCode ?? 0,
    // ContainerStatus names the image as the pod spec did; ListContainers often gives only its ID.
    image: detail?.image || c.image,
    imageRef: detail?.imageRef || c.imageRef,
    pod: {
      name: c.labels[POD_NAME] || sandbox?.name || '',
      namespace: c.labels[POD_NAMESPACE] || sandbox?.namespace || '',
      uid: c.labels[POD_UID] || sandbox?.uid || '',
      sandboxId: c.sandboxId,
      runtimeHandler: sandbox?.runtimeHandler ?? '',
      labels: sandbox?.labels ?? {},
    },
    logPath: detail?.logPath ?? '',
    logFormat: logFormatOf(r.runtime.type),
    writableLayer: known?.enrichment.writableLayer ?? r.writableLayerFromStats?.(usage) ?? UNKNOWN_LAYER,
    labels: c.labels,
    cgroupPath: known?.enrichment.cgroupPath ?? '',
    pid: known?.enrichment.pid ?? 0,
    runtime: { name: r.runtime.type, version: r.runtime.version },
    usage,
    detailed: detail !== undefined,
  };
}

/** Carries departed containers forward until their grace ends, and adds the ones gone since last poll. */
export function departedSince(ctx: BuildContext, current: readonly Container[]): Departed[] {
  const prev = ctx.previous;
  if (!prev) return [];
  const grace = ctx.removedGraceSeconds ?? 0;
  const present = new Set(current.map((c) => c.id));
  const kept = prev.departed.filter((d) => ctx.now - d.removedAt < grace && !present.has(d.container.id));
  const gone = grace > 0 ? prev.containers.filter((c) => !present.has(c.id)).map((container) => ({ container, removedAt: ctx.now })) : [];
  return [...kept, ...gone];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareContainers(a: Container, b: Container): number {
  return cmp(a.pod.namespace, b.pod.namespace) || cmp(a.pod.name, b.pod.name) || cmp(a.name, b.name)
    || a.attempt - b.attempt || cmp(a.id, b.id);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
