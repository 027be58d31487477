// ContainerStatus answers do not change for a container ID except on a state
// change, so they are asked once per (ID, state) and kept until the container
// leaves ListContainers. This keeps the number of CRI calls per poll constant.
import { CriCallError } from '../cri/errors.js';
import type { RuntimeSource } from '../cri/source.js';
import type { ContainerDetail, ContainerState, ContainerSummary } from '../cri/types.js';
import type { Enricher, Enrichment } from '../runtimes/enrich.js';

/** A container's status with what was derived from it. */
export interface KnownDetail {
  readonly detail: ContainerDetail;
  readonly enrichment: Enrichment;
}

interface Entry extends KnownDetail {
  readonly listedState: ContainerState;
}

export interface DetailRefresh {
  readonly details: ReadonlyMap<string, KnownDetail>;
  /** Calls that failed for a reason other than the container being gone. */
  readonly failures: readonly string[];
}

export class DetailCache {
  private entries = new Map<string, Entry>();

  constructor(private readonly concurrency = 8) {}

  get size(): number {
    return this.entries.size;
  }

  /** Brings the cache in line with `listed`, calling ContainerStatus only where needed. */
  async refresh(source: RuntimeSource, listed: readonly ContainerSummary[], enrich: Enricher): Promise<DetailRefresh> {
    const next = new Map<string, Entry>();
    const stale: ContainerSummary[] = [];
    for (const c of listed) {
      const hit = this.entries.get(c.id);
      if (hit && hit.listedState === c.state) next.set(c.id, hit);
      else stale.push(c);
    }
    const failures: string[] = [];
    await forEachLimited(stale, this.concurrency, async (c) => {
      try {
        next.set(c.id, await this.fetch(source, c, enrich));
      } catch (err) {
        // NOT_FOUND: removed between ListContainers and now; it drops out next poll.
        if (err instanceof CriCallError && err.code === 'NOT_FOUND') return;
        const kept = this.entries.get(c.id);
        if (kept) next.set(c.id, kept);
        failures.push((err as Error).message);
      }
    });
    this.entries = next;
    return { details: next, failures };
  }

  /** Forgets everything, e.g. when another runtime answers on the endpoint. */
  clear(): void {
    this.entries.clear();
  }

  private async fetch(source: RuntimeSource, c: ContainerSummary, enrich: Enricher): Promise<Entry> {
    const full = await source.containerStatus(c.id);
    const enrichment = await enrich(full);
    // Verbose info can be tens of kilobytes per container; what we need of it is in `enrichment`.
    const detail = Object.freeze({ ...full, info: {} });
    return { listedState: c.state, detail, enrichment };
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  const worker = async (): Promise<void> => {
    while (index < items.length) await fn(items[index++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
