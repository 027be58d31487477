// The pure step of a poll: what the runtime answered → a Snapshot. No I/O,
// no clock: everything comes in as arguments, so it is tested on literals.
import { isDeepStrictEqual } from 'node:util';
import type { ContainerSummary, ContainerUsage, PodSandbox, PodSandboxUsage } from '../cri/types.js';
import { logFormatOf } from '../runtimes/detect.js';
import { UNKNOWN_LAYER, type WritableLayer } from '../runtimes/writable-layer.js';
import type { CgroupStats } from '../cgroups/types.js';
import type { KnownDetail } from './details.js';
import { deepFreeze, indexById, sameRecord, type Container, type Departed, type PartError, type Pod, type PodHostFigures, type PodRef, type RuntimeInfo, type Snapshot } from './snapshot.js';

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
  const sandboxes = indexById(r.sandboxes);
  const usage = indexById(deepFreeze(r.containerUsage));
  const kept = new Unchanged(ctx.previous, r);
  // Frozen before the snapshot around it, so that its index by ID, built
  // here for departedSince, also serves the watch diff and the next poll.
  const containers = deepFreeze(kept.list(r.containers.map((c) => {
    const known = r.details.get(c.id);
    const layer = known?.enrichment.writableLayer ?? r.writableLayerFromStats?.(usage.get(c.id)) ?? UNKNOWN_LAYER;
    return kept.container(c, sandboxes.get(c.sandboxId), known, layer, r);
  })));
  const pods = kept.podList(r.sandboxes.map((s) => kept.pod(s)));
  return deepFreeze({
    seq: ctx.seq,
    takenAt: ctx.now,
    ok: r.ok,
    lastSuccessAt: r.ok ? ctx.now : ctx.lastSuccessAt,
    runtime: r.runtime,
    conditions: r.conditions,
    pods,
    podUsage: indexById(deepFreeze(r.sandboxUsage)),
    podHost: NO_HOST_FIGURES,
    containers,
    usage,
    cgroups: NO_CGROUPS,
    departed: departedSince(ctx, containers),
    images: r.images,
    imageFs: r.imageFs,
    errors: r.errors,
  });
}

// Until the host-stats step adds them: none.
const NO_CGROUPS: ReadonlyMap<string, CgroupStats> = new Map();
const NO_HOST_FIGURES: ReadonlyMap<string, PodHostFigures> = new Map();

/** What one container is made of in a poll's answers. */
interface Sources {
  readonly summary: ContainerSummary;
  readonly sandbox: PodSandbox | undefined;
  readonly known: KnownDetail | undefined;
  readonly layer: WritableLayer;
}

/**
 * The sources each container was last made of. The rows the client decodes
 * and the details the poller keeps are the same objects from poll to poll
 * while they do not change, so a container made of the very same sources
 * as before is the container before, found without building it again.
 */
const madeOf = new WeakMap<Container, Sources>();

/**
 * The previous snapshot's objects, taken over wherever this poll's are
 * equal. Almost nothing of a container changes between polls (its usage is
 * kept beside it), and the client hands over an unchanged row as the same
 * object (see cri/row-memo.ts), so most containers are the previous ones,
 * found by identity of their sources; a container whose sources arrive as
 * equal copies is built and, when equal to the previous, replaced by it, as
 * are its equal parts (pod reference, labels, writable layer) when it did
 * change. Pods, whose usage is kept beside them too, are the sandbox rows
 * themselves, or the previous pods when equal. Shared parts are frozen
 * already.
 */
class Unchanged {
  private readonly previous: readonly Container[];
  private readonly containers: ReadonlyMap<string, Container>;
  private readonly previousPods: readonly Pod[];
  private readonly pods: ReadonlyMap<string, Pod>;
  readonly runtime: Container['runtime'];
  /** How many containers (pods) of this poll are the previous snapshot's. */
  private reused = 0;
  private reusedPods = 0;

  constructor(previous: Snapshot | undefined, r: PollResults) {
    this.previous = previous?.containers ?? [];
    this.containers = indexById(this.previous);
    this.previousPods = previous?.pods ?? [];
    this.pods = indexById(this.previousPods);
    const fresh = { name: r.runtime.type, version: r.runtime.version };
    const first = previous?.containers[0]?.runtime;
    this.runtime = first !== undefined && first.name === fresh.name && first.version === fresh.version ? first : fresh;
  }

  /** Sources as arguments, not a record: an unchanged container, nearly every one, then costs no object. */
  container(summary: ContainerSummary, sandbox: PodSandbox | undefined, known: KnownDetail | undefined, freshLayer: WritableLayer, r: PollResults): Container {
    const old = this.containers.get(summary.id);
    const layer = this.layer(old, freshLayer);
    if (old !== undefined && this.madeOfSame(old, summary, sandbox, known, layer)) return this.reuse(old);
    const src: Sources = { summary, sandbox, known, layer };
    const built = toContainer(src, r, this, old);
    const result = old !== undefined && sameRecord(old, built) ? this.reuse(old) : built;
    madeOf.set(result, src);
    return result;
  }

  /** The containers in snapshot order: the previous list itself when every container is the previous one. */
  list(containers: Container[]): readonly Container[] {
    if (this.reused === containers.length && containers.length === this.previous.length) return this.previous;
    return containers.sort(compareContainers);
  }

  /** The sandbox as the snapshot's pod: the previous one when equal, else this row, with the previous labels when those are equal. */
  pod(s: PodSandbox): Pod {
    const old = this.pods.get(s.id);
    if (old === undefined) return s;
    if (sameRecord(old, s)) {
      this.reusedPods++;
      return old;
    }
    return old.labels !== s.labels && sameStrings(old.labels, s.labels) ? { ...s, labels: old.labels } : s;
  }

  /** The pods in snapshot order: the previous list itself when every pod is the previous one. */
  podList(pods: Pod[]): readonly Pod[] {
    if (this.reusedPods === pods.length && pods.length === this.previousPods.length) return this.previousPods;
    return pods.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name) || cmp(a.id, b.id));
  }

  labels(old: Container | undefined, fresh: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    return old !== undefined && sameStrings(old.labels, fresh) ? old.labels : fresh;
  }

  podRef(old: Container | undefined, fresh: PodRef): PodRef {
    return old !== undefined && sameRecord(old.pod, fresh) ? old.pod : fresh;
  }

  private layer(old: Container | undefined, fresh: WritableLayer): WritableLayer {
    return old !== undefined && (old.writableLayer === fresh || isDeepStrictEqual(old.writableLayer, fresh)) ? old.writableLayer : fresh;
  }

  private madeOfSame(old: Container, summary: ContainerSummary, sandbox: PodSandbox | undefined, known: KnownDetail | undefined, layer: WritableLayer): boolean {
    const was = madeOf.get(old);
    return was !== undefined && was.summary === summary && was.sandbox === sandbox && was.known === known
      && old.writableLayer === layer && old.runtime === this.runtime;
  }

  private reuse(old: Container): Container {
    this.reused++;
    return old;
  }
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

function toContainer(src: Sources, r: PollResults, kept: Unchanged, old: Container | undefined): Container {
  const { summary: c, sandbox, known, layer } = src;
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
    pod: kept.podRef(old, {
      name: c.labels[POD_NAME] || sandbox?.name || '',
      namespace: c.labels[POD_NAMESPACE] || sandbox?.namespace || '',
      uid: c.labels[POD_UID] || sandbox?.uid || '',
      sandboxId: c.sandboxId,
      runtimeHandler: sandbox?.runtimeHandler ?? '',
      labels: sandbox?.labels ?? {},
    }),
    logPath: detail?.logPath ?? '',
    logFormat: logFormatOf(r.runtime.type),
    writableLayer: layer,
    labels: kept.labels(old, c.labels),
    cgroupPath: known?.enrichment.cgroupPath ?? '',
    pid: known?.enrichment.pid ?? 0,
    runtime: kept.runtime,
    detailed: detail !== undefined,
  };
}

/** Carries departed containers forward until their grace ends, and adds the ones gone since last poll. */
export function departedSince(ctx: BuildContext, current: readonly Container[]): Departed[] {
  const prev = ctx.previous;
  if (!prev) return [];
  const grace = ctx.removedGraceSeconds ?? 0;
  const present = indexById(current);
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
