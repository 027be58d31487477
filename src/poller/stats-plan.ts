// Which stats calls a poll makes. A poll needs every container's figures and,
// unless the host gives them, the pods' (network, processes). containerd and
// CRI-O repeat each container's stats inside its pod's, so when the pods'
// answer is asked anyway it can carry the containers' too: one stats call
// per poll instead of two, and the runtime collects each container's figures
// once, not twice (at 1000 containers 0.7 MB less to receive and decode).
//
// Whether a runtime nests them is learned, not assumed: a probe poll asks
// both and compares, row by row and figure by figure. After that, polls ask
// the pods' answer alone while it keeps every running container; any sign
// that it does not (the call fails, a running container is missing) sends
// the next poll back to probing, and a failed call is made good in the same
// poll by ListContainerStats.
import type { RuntimeSource } from '../cri/source.js';
import type { ContainerState, ContainerUsage, PodSandboxUsage } from '../cri/types.js';

/** The stats answers of one poll; `pods` is an empty success when it was not asked. */
export interface StatsAnswers {
  readonly containers: PromiseSettledResult<readonly ContainerUsage[]>;
  readonly pods: PromiseSettledResult<readonly PodSandboxUsage[]>;
}

type Mode =
  /** Ask both; decode the pods' container rows to see whether they cover ListContainerStats. */
  | 'probe'
  /** Ask the pods' answer alone and take the containers' figures from it. */
  | 'nested'
  /** Ask both, the pods' without its container rows; probe again after a while. */
  | 'separate';

/** Polls between probes once the pods' answer was found not to carry every container. */
export const REPROBE_AFTER_POLLS = 30;

const NOT_ASKED: PromiseSettledResult<readonly PodSandboxUsage[]> = { status: 'fulfilled', value: [] };

export class StatsPlan {
  private mode: Mode = 'probe';
  private pollsUntilProbe = 0;
  /** The last ask() took the containers' figures from the pods' answer. */
  private tookNested = false;

  /** True when the next poll that asks for pods' stats takes the containers' from them alone. */
  get nested(): boolean {
    return this.mode === 'nested';
  }

  /**
   * Makes this poll's stats calls. `podsFromHost`: the host gave every pod's
   * figures last poll, so the pods' answer is not needed at all.
   */
  async ask(src: RuntimeSource, podsFromHost: boolean): Promise<StatsAnswers> {
    this.tookNested = false;
    if (podsFromHost) return { containers: await settle(src.listContainerStats()), pods: NOT_ASKED };
    if (this.mode === 'nested') return this.askNested(src);
    const probing = this.mode === 'probe';
    const [containers, pods] = await Promise.all([settle(src.listContainerStats()), settle(src.listPodSandboxStats(probing))]);
    if (probing) this.learn(containers, pods);
    else if (--this.pollsUntilProbe <= 0) this.mode = 'probe';
    return { containers, pods };
  }

  /**
   * After the poll is built: when its figures came from the pods' answer, a
   * running container without them means that answer no longer covers every
   * container (or the container started between the two answers); the next
   * poll probes.
   */
  review(containers: readonly { readonly id: string; readonly state: ContainerState }[], usage: ReadonlyMap<string, unknown>): void {
    if (!this.tookNested) return;
    // Indexes, not for-of: run once per poll, this loop is seldom optimised,
    // and unoptimised for-of makes an iterator result per container.
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i] as (typeof containers)[number];
      if (c.state === 'running' && !usage.has(c.id)) {
        this.mode = 'probe';
        return;
      }
    }
  }

  private async askNested(src: RuntimeSource): Promise<StatsAnswers> {
    const pods = await settle(src.listPodSandboxStats(true));
    this.tookNested = pods.status === 'fulfilled';
    if (pods.status === 'fulfilled') return { containers: { status: 'fulfilled', value: nestedRows(pods.value) }, pods };
    this.mode = 'probe';
    return { containers: await settle(src.listContainerStats()), pods };
  }

  private learn(containers: StatsAnswers['containers'], pods: StatsAnswers['pods']): void {
    if (containers.status !== 'fulfilled' || pods.status !== 'fulfilled') return;
    const nested = new Map(nestedRows(pods.value).map((u) => [u.id, u]));
    const covered = containers.value.length > 0 && containers.value.every((u) => carriesAll(nested.get(u.id), u));
    this.mode = covered ? 'nested' : 'separate';
    this.pollsUntilProbe = covered ? 0 : REPROBE_AFTER_POLLS;
  }

  /** Starts over with a probe: the runtime may have come back as another version or another runtime. */
  reset(): void {
    this.mode = 'probe';
    this.tookNested = false;
  }
}

/**
 * True when the pods' copy of a container's row has every figure the
 * ListContainerStats row has (values differ: the two are read at different
 * moments). The writable layer's mountpoint counts on its own: on CRI-O it
 * is where the agent finds the layer.
 */
function carriesAll(nested: ContainerUsage | undefined, flat: ContainerUsage): boolean {
  if (nested === undefined) return false;
  for (const key of Object.keys(flat) as (keyof ContainerUsage)[]) {
    if (flat[key] !== undefined && nested[key] === undefined) return false;
  }
  return !flat.writableLayer?.mountpoint || nested.writableLayer?.mountpoint === flat.writableLayer.mountpoint;
}

/** Every pod's container rows in one list, in the answer's order. */
export function nestedRows(pods: readonly PodSandboxUsage[]): ContainerUsage[] {
  const rows: ContainerUsage[] = [];
  // Indexes, not for-of (see review).
  for (let i = 0; i < pods.length; i++) {
    const nested = (pods[i] as PodSandboxUsage).containers;
    for (let j = 0; j < nested.length; j++) rows.push(nested[j] as ContainerUsage);
  }
  return rows;
}

function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then((value) => ({ status: 'fulfilled', value }), (reason: unknown) => ({ status: 'rejected', reason }));
}
