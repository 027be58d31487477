// The runtime is not trusted: before a poll's lists are joined, items that
// cannot be told apart or addressed are dropped and counted, so one bad item
// costs that item only — never a duplicate series that makes Prometheus
// reject the whole scrape, nor an ID that breaks a URL or a file path.
import type { ContainerSummary, ContainerUsage, PodSandbox, PodSandboxUsage } from '../cri/types.js';

export type InvalidKind = 'sandbox' | 'container' | 'container_stats' | 'sandbox_stats';
export type InvalidReason = 'duplicate_id' | 'bad_id';

/** Called once per kind and reason with how many items were dropped this poll. */
export type InvalidObserver = (kind: InvalidKind, reason: InvalidReason, count: number) => void;

/** Runtime IDs are hex digests; allow any printable token, but nothing that could split a path or a line. */
const SANE_ID = /^[\x21-\x7e]{1,256}$/;

export function isSaneId(id: string): boolean {
  return SANE_ID.test(id) && !id.includes('/') && id !== '.' && id !== '..';
}

/** Keeps the first item of each sane ID, in order; reports what it dropped. */
export function keepValid<T>(items: readonly T[], idOf: (item: T) => string, kind: InvalidKind, observe: InvalidObserver): T[] {
  const seen = new Set<string>();
  const kept: T[] = [];
  let bad = 0;
  let duplicates = 0;
  for (const item of items) {
    const id = idOf(item);
    if (!isSaneId(id)) bad++;
    else if (seen.has(id)) duplicates++;
    else {
      seen.add(id);
      kept.push(item);
    }
  }
  if (bad > 0) observe(kind, 'bad_id', bad);
  if (duplicates > 0) observe(kind, 'duplicate_id', duplicates);
  return kept;
}

export const validSandboxes = (l: readonly PodSandbox[], o: InvalidObserver) => keepValid(l, (s) => s.id, 'sandbox', o);
export const validContainers = (l: readonly ContainerSummary[], o: InvalidObserver) => keepValid(l, (c) => c.id, 'container', o);
export const validContainerUsage = (l: readonly ContainerUsage[], o: InvalidObserver) => keepValid(l, (u) => u.id, 'container_stats', o);
export const validSandboxUsage = (l: readonly PodSandboxUsage[], o: InvalidObserver) => keepValid(l, (u) => u.id, 'sandbox_stats', o);
