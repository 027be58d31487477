// The runtime is not trusted: before a poll's lists are joined, items that
// cannot be told apart or addressed are dropped and counted, so one bad item
// costs that item only — never a duplicate series that makes Prometheus
// reject the whole scrape, nor an ID that breaks a URL or a file path.
import type { ContainerSummary, ContainerUsage, PodSandbox, PodSandboxUsage } from '../cri/types.js';
import { rememberIndex } from './snapshot.js';

export type InvalidKind = 'sandbox' | 'container' | 'container_stats' | 'sandbox_stats';
export type InvalidReason = 'duplicate_id' | 'bad_id';

/** Called once per kind and reason with how many items were dropped this poll. */
export type InvalidObserver = (kind: InvalidKind, reason: InvalidReason, count: number) => void;

/** Runtime IDs are hex digests; allow any printable token, but nothing that could split a path or a line. */
const SANE_ID = /^[\x21-\x7e]{1,256}$/;

export function isSaneId(id: string): boolean {
  return SANE_ID.test(id) && !id.includes('/') && id !== '.' && id !== '..';
}

/**
 * Keeps the first item of each sane ID, in order; reports what it dropped.
 * The list itself when nothing is dropped (nearly always), a copy without
 * the dropped items otherwise; either way with its index by ID remembered
 * (see indexById), so that building the snapshot does not index it again.
 */
export function keepValid<T extends { readonly id: string }>(items: readonly T[], kind: InvalidKind, observe: InvalidObserver): readonly T[] {
  const index = new Map<string, T>();
  let kept: T[] | undefined;
  let bad = 0;
  let duplicates = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const id = item.id;
    const sane = isSaneId(id);
    if (sane && !index.has(id)) {
      index.set(id, item);
      kept?.push(item);
      continue;
    }
    if (sane) duplicates++;
    else bad++;
    kept ??= items.slice(0, i);
  }
  if (bad > 0) observe(kind, 'bad_id', bad);
  if (duplicates > 0) observe(kind, 'duplicate_id', duplicates);
  const list = kept ?? items;
  rememberIndex(list, index);
  return list;
}

export const validSandboxes = (l: readonly PodSandbox[], o: InvalidObserver) => keepValid(l, 'sandbox', o);
export const validContainers = (l: readonly ContainerSummary[], o: InvalidObserver) => keepValid(l, 'container', o);
export const validContainerUsage = (l: readonly ContainerUsage[], o: InvalidObserver) => keepValid(l, 'container_stats', o);
export const validSandboxUsage = (l: readonly PodSandboxUsage[], o: InvalidObserver) => keepValid(l, 'sandbox_stats', o);
