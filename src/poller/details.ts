// ContainerStatus answers do not change for a container ID except on a state
// change, so they are asked once per (ID, state) and kept until the container
// leaves ListContainers. This keeps the number of CRI calls per poll constant.
import { CriCallError } from '../cri/errors.js';
import type { RuntimeSource } from '../cri/source.js';
import type { ContainerDetail, ContainerState, ContainerSummary } from '../cri/types.js';
import { pidFromInfo, type Enricher, type Enrichment } from '../runtimes/enrich.js';
import { SandboxLogDirs } from './log-paths.js';

/** A container's status with what was derived from it. */
export interface KnownDetail {
  readonly detail: ContainerDetail;
  readonly enrichment: Enrichment;
}

interface Entry extends KnownDetail {
  readonly listedState: ContainerState;
  /**
   * Only while the enrichment asks to be retried: the verbose info it needs
   * (dropped otherwise, as it can be tens of kilobytes), when to retry, and
   * the wait before that, which doubles while the answer stays provisional.
   */
  readonly retry?: Retry;
}

interface Retry {
  readonly info: ContainerDetail['info'];
  readonly at: number;
  readonly delayMs: number;
}

const NO_FAILURES: readonly string[] = Object.freeze([]);

/** Longest wait between two retries of one container's enrichment. */
const MAX_RETRY_DELAY_MS = 600_000;

export interface DetailRefresh {
  readonly details: ReadonlyMap<string, KnownDetail>;
  /** Calls that failed for a reason other than the container being gone. */
  readonly failures: readonly string[];
}

export interface DetailCacheOptions {
  /** ContainerStatus calls in flight at once; default 8. */
  readonly concurrency?: number;
  /** How long before an enrichment that asked for it is tried again (first wait, then doubling); default 30 s. */
  readonly retryEnrichMs?: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
}

export class DetailCache {
  private entries = new Map<string, Entry>();
  private readonly logDirs = new SandboxLogDirs();
  private readonly concurrency: number;
  private readonly retryEnrichMs: number;
  private readonly now: () => number;

  constructor(opts: DetailCacheOptions = {}) {
    this.concurrency = opts.concurrency ?? 8;
    this.retryEnrichMs = opts.retryEnrichMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Brings the cache in line with `listed`, calling ContainerStatus only
   * where needed, and re-running enrichments that asked for it (no CRI call).
   */
  async refresh(source: RuntimeSource, listed: readonly ContainerSummary[], enrich: Enricher): Promise<DetailRefresh> {
    if (this.settled(listed)) return { details: this.entries, failures: NO_FAILURES };
    const next = new Map<string, Entry>();
    const tasks: (() => Promise<void>)[] = [];
    const failures: string[] = [];
    const now = this.now();
    for (const c of listed) {
      const hit = this.entries.get(c.id);
      if (hit && hit.listedState === c.state) {
        next.set(c.id, hit);
        if (hit.retry && hit.retry.at <= now) tasks.push(() => this.reenrich(c.id, hit, enrich, next));
      } else {
        tasks.push(() => this.fetchInto(source, c, enrich, next, failures));
      }
    }
    this.logDirs.retain(new Set(listed.map((c) => c.sandboxId)));
    await forEachLimited(tasks, this.concurrency, (task) => task());
    this.entries = next;
    return { details: next, failures };
  }

  /**
   * True when the cache already is what refresh would make of `listed`
   * (unique IDs, as validation leaves them): every container known in the
   * state it is listed in, no other known, no enrichment due. Then nothing
   * is asked and the same map serves again, as it does poll after poll on
   * a node where no container came, went or changed state.
   */
  private settled(listed: readonly ContainerSummary[]): boolean {
    if (listed.length !== this.entries.size) return false;
    const now = this.now();
    for (let i = 0; i < listed.length; i++) {
      const c = listed[i] as ContainerSummary;
      const hit = this.entries.get(c.id);
      if (hit === undefined || hit.listedState !== c.state || (hit.retry !== undefined && hit.retry.at <= now)) return false;
    }
    return true;
  }

  /** Forgets everything, e.g. when another runtime answers on the endpoint. */
  clear(): void {
    this.entries.clear();
    this.logDirs.clear();
  }

  private async fetchInto(
    source: RuntimeSource, c: ContainerSummary, enrich: Enricher, next: Map<string, Entry>, failures: string[],
  ): Promise<void> {
    try {
      next.set(c.id, await this.fetch(source, c, enrich));
    } catch (err) {
      // NOT_FOUND: removed between ListContainers and now; it drops out next poll.
      if (err instanceof CriCallError && err.code === 'NOT_FOUND') return;
      const kept = this.entries.get(c.id);
      if (kept) next.set(c.id, kept);
      failures.push((err as Error).message);
    }
  }

  private async fetch(source: RuntimeSource, c: ContainerSummary, enrich: Enricher): Promise<Entry> {
    const full = await source.containerStatus(c.id);
    const resolved = { ...full, logPath: await this.logDirs.resolve(source, c, full.logPath) };
    return this.entry(c.state, resolved, await enrich(resolved));
  }

  /** A failed retry keeps what the container had and tries again after the next interval. */
  private async reenrich(id: string, hit: Entry, enrich: Enricher, next: Map<string, Entry>): Promise<void> {
    const info = hit.retry?.info ?? {};
    const delayMs = Math.min((hit.retry?.delayMs ?? this.retryEnrichMs) * 2, MAX_RETRY_DELAY_MS);
    try {
      next.set(id, this.entry(hit.listedState, { ...hit.detail, info }, await enrich({ ...hit.detail, info }), delayMs));
    } catch {
      next.set(id, { ...hit, retry: { info, at: this.now() + delayMs, delayMs } });
    }
  }

  private entry(listedState: ContainerState, full: ContainerDetail, enrichment: Enrichment, delayMs = this.retryEnrichMs): Entry {
    // Verbose info can be tens of kilobytes per container; what we need of it is in `enrichment`.
    const detail = Object.freeze({ ...full, info: {} });
    const retry = enrichment.retry ? { info: full.info, at: this.now() + delayMs, delayMs } : undefined;
    // Adapters resolve what differs between runtimes; the PID sits in the same place on all of them.
    const withPid = enrichment.pid === undefined ? { ...enrichment, pid: pidFromInfo(full.info) } : enrichment;
    return { listedState, detail, enrichment: withPid, retry };
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  const worker = async (): Promise<void> => {
    while (index < items.length) await fn(items[index++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
