// What changed between two consecutive snapshots, container by container.
// Pure, so the event stream is tested on literal snapshots.
import { indexById, sameRecord, type Container } from '../poller/snapshot.js';

export type ChangeType = 'added' | 'modified' | 'removed';

export interface ContainerChange {
  readonly type: ChangeType;
  readonly container: Container;
}

/**
 * Added and modified in the order of `next`, then removed in the order of
 * `prev`. Usage is not part of a container (a snapshot keeps it beside), and
 * key order of label maps (random in a runtime's Go maps) is not a change
 * (see sameRecord). Consecutive snapshots of an unchanged node share
 * their container list, and a changed node's unchanged containers: those
 * cost one comparison.
 */
export function diffContainers(prev: readonly Container[], next: readonly Container[]): ContainerChange[] {
  if (prev === next) return [];
  const before = indexById(prev);
  const after = indexById(next);
  const changes: ContainerChange[] = [];
  for (const c of next) {
    const old = before.get(c.id);
    if (old === undefined) changes.push({ type: 'added', container: c });
    else if (!sameRecord(old, c)) changes.push({ type: 'modified', container: c });
  }
  for (const c of prev) if (!after.has(c.id)) changes.push({ type: 'removed', container: c });
  return changes;
}
