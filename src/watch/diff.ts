// What changed between two consecutive snapshots, container by container.
// Pure, so the event stream is tested on literal snapshots.
import { isDeepStrictEqual } from 'node:util';
import { containersById, type Container } from '../poller/snapshot.js';

export type ChangeType = 'added' | 'modified' | 'removed';

export interface ContainerChange {
  readonly type: ChangeType;
  readonly container: Container;
}

/**
 * Added and modified in the order of `next`, then removed in the order of
 * `prev`. Usage samples (the runtime's stats and the host's cgroup numbers)
 * change every poll and are not a change of the container; key order of label maps (random in a runtime's Go maps) is not
 * one either, which isDeepStrictEqual already ignores.
 */
export function diffContainers(prev: readonly Container[], next: readonly Container[]): ContainerChange[] {
  const before = containersById(prev);
  const after = containersById(next);
  const changes: ContainerChange[] = [];
  for (const c of next) {
    const old = before.get(c.id);
    if (old === undefined) changes.push({ type: 'added', container: c });
    else if (!sameContainer(old, c)) changes.push({ type: 'modified', container: c });
  }
  for (const c of prev) if (!after.has(c.id)) changes.push({ type: 'removed', container: c });
  return changes;
}

const SAMPLE_FIELDS: ReadonlySet<string> = new Set<keyof Container>(['usage', 'cgroup']);

/**
 * Field by field, so that the fields that are the same value (every string
 * and number of an unchanged container) cost one comparison, and only nested
 * objects (labels, pod, writable layer) are compared deeply: about half the
 * cost of comparing copies without the samples.
 */
function sameContainer(a: Container, b: Container): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  // for-in rather than Object.keys: no array of keys per container and poll.
  for (const key in y) {
    if (SAMPLE_FIELDS.has(key)) continue;
    if (!(key in x) || (x[key] !== y[key] && !isDeepStrictEqual(x[key], y[key]))) return false;
  }
  for (const key in x) if (!SAMPLE_FIELDS.has(key) && !(key in y)) return false;
  return true;
}
