// The pure step of a poll: what the runtime answered → a Snapshot. No I/O,
// no clock: everything comes in as arguments, so it is tested on literals.
import { isDeepStrictEqual } from 'node:util';
import type { ContainerSummary, ContainerUsage, PodSandbox, PodSandboxUsage } from '../cri/types.js';
import { logFormatOf } from '../runtimes/detect.js';
import { UNKNOWN_LAYER, type WritableLayer } from '../runtimes/writable-layer.js';
import type { KnownDetail } from './details.js';
import { byId, containersById, deepFreeze, type Container, type Departed, type PartError, type Pod, type PodRef, type RuntimeInfo, type Snapshot } from './snapshot.js';

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
  const sandboxes = byId(r.sandboxes);
  const usage = byId(r.containerUsage);
  const kept = new Unchanged(ctx.previous, r);
  // Frozen before the snapshot around it, so that its index by ID, built
  // here for departedSince, also serves the watch diff and the next poll
  // when no host-stats step replaces the containers (with one, the step's
  // list is indexed once by the diff and reused by the next poll).
  const containers = deepFreeze(r.containers
    .map((c) => toContainer(c, sandboxes.get(c.sandboxId), r.details.get(c.id), usage.get(c.id), r, kept))
    .sort(compareContainers));
  const sandboxUsage = byId(r.sandboxUsage);
  const pods: Pod[] = r.sandboxes
    .map((s) => ({ ...s, labels: kept.podLabels(s), usage: sandboxUsage.get(s.id) }))
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

/**
 * The previous snapshot's objects, taken over wherever this poll's are
 * equal. Almost nothing but a container's usage changes between polls, and
 * the client hands over an unchanged row's labels as the same object (see
 * cri/row-memo.ts), so the checks here mostly end at identity; whatever
 * does arrive as an equal copy (a pod reference, a writable layer, a row
 * the runtime re-encoded) is replaced by the previous one. Shared parts are
 * frozen already and compared by identity in the watch diff.
 */
class Unchanged {
  private readonly containers: ReadonlyMap<string, Container>;
  private readonly pods: ReadonlyMap<string, Pod>;
  readonly runtime: Container['runtime'];

  constructor(previous: Snapshot | undefined, r: PollResults) {
    this.containers = containersById(previous?.containers ?? []);
    this.pods = byId(previous?.pods ?? []);
    const fresh = { name: r.runtime.type, version: r.runtime.version };
    const first = previous?.containers[0]?.runtime;
    this.runtime = first !== undefined && first.name === fresh.name && first.version === fresh.version ? first : fresh;
  }

  before(id: string): Container | undefined {
    return this.containers.get(id);
  }

  podLabels(s: PodSandbox): Readonly<Record<string, string>> {
    const old = this.pods.get(s.id)?.labels;
    return old !== undefined && sameStrings(old, s.labels) ? old : s.labels;
  }

  labels(old: Container | undefined, fresh: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    return old !== undefined && sameStrings(old.labels, fresh) ? old.labels : fresh;
  }

  pod(old: Container | undefined, fresh: PodRef): PodRef {
    return old !== undefined && samePod(old.pod, fresh) ? old.pod : fresh;
  }

  layer(old: Container | undefined, fresh: WritableLayer): WritableLayer {
    return old !== undefined && (old.writableLayer === fresh || isDeepStrictEqual(old.writableLayer, fresh)) ? old.writableLayer : fresh;
  }
}

function samePod(a: PodRef, b: PodRef): boolean {
  return a.name === b.name && a.namespace === b.namespace && a.uid === b.uid && a.sandboxId === b.sandboxId
    && a.runtimeHandler === b.runtimeHandler && sameStrings(a.labels, b.labels);
}

/** Equal string maps, whatever their key order (a runtime's Go maps have none). */
function sameStrings(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in b) {
    if (!Object.hasOwn(b, k)) continue;
    if (a[k] !== b[k] || !Object.hasOwn(a, k)) return false;
    n++;
  }
  for (const k in a) if (Object.hasOwn(a, k)) n--;
  return n === 0;
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
  kept: Unchanged,
): Container {
  const detail = known?.detail;
  const old = kept.before(c.id);
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
    pod: kept.pod(old, {
      name: c.labels[POD_NAME] || sandbox?.name || '',
      namespace: c.labels[POD_NAMESPACE] || sandbox?.namespace || '',
      uid: c.labels[POD_UID] || sandbox?.uid || '',
      sandboxId: c.sandboxId,
      runtimeHandler: sandbox?.runtimeHandler ?? '',
      labels: sandbox?.labels ?? {},
    }),
    logPath: detail?.logPath ?? '',
    logFormat: logFormatOf(r.runtime.type),
    writableLayer: kept.layer(old, known?.enrichment.writableLayer ?? r.writableLayerFromStats?.(usage) ?? UNKNOWN_LAYER),
    labels: kept.labels(old, c.labels),
    cgroupPath: known?.enrichment.cgroupPath ?? '',
    pid: known?.enrichment.pid ?? 0,
    runtime: kept.runtime,
    usage,
    detailed: detail !== undefined,
  };
}

/** Carries departed containers forward until their grace ends, and adds the ones gone since last poll. */
export function departedSince(ctx: BuildContext, current: readonly Container[]): Departed[] {
  const prev = ctx.previous;
  if (!prev) return [];
  const grace = ctx.removedGraceSeconds ?? 0;
  const present = containersById(current);
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
