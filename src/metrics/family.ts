// The shape every metric family is declared in, and the builders of the
// cAdvisor-style per-container families: the label set comes from one place.
import type { CgroupStats } from '../cgroups/types.js';
import type { ContainerUsage } from '../cri/types.js';
import type { Container, Snapshot } from '../poller/snapshot.js';
import type { MetricType } from './exposition.js';
import { cadvisorPrefix, extraPairs } from './labels.js';

/** Label text, escaped and joined (`a="x",b="y"`): as bytes when it is cached across series, else as a string. */
export type LabelText = Uint8Array | string;

/** Receives a family's samples; the renderer writes each as one exposition line. */
export interface SampleSink {
  /** One sample: its label pairs, optionally more pairs after them (`,c="z"`), and its value. */
  sample(labels: LabelText, value: number, more?: LabelText): void;
}

export interface FamilySpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly cadvisor: boolean;
  readonly write: (s: Snapshot, out: SampleSink) => void;
}

/** A value of the container itself (its start time, its restart attempt). */
export type ContainerValue = (c: Container) => number | undefined;

/** The per-container figures a snapshot keeps beside its containers, by container ID. */
interface Figures {
  readonly usage: ContainerUsage;
  readonly cgroups: CgroupStats;
}

/** A cAdvisor-style per-container family; containers without a value are left out. */
export function perContainer(name: string, type: MetricType, help: string, pick: ContainerValue, extra: Readonly<Record<string, string>> = {}): FamilySpec {
  // The constant labels are escaped once per family, the container's once per container.
  const suffix = extraPairs(extra);
  return {
    name, type, help, cadvisor: true,
    write(s, out) {
      // By index: for…of over a frozen array allocates a result per step in
      // Node 20 (~30 families × 1000 containers of garbage per render).
      const containers = s.containers;
      for (let i = 0; i < containers.length; i++) {
        const c = containers[i] as Container;
        const v = pick(c);
        if (v !== undefined) out.sample(cadvisorPrefix(c), v, suffix);
      }
    },
  };
}

/**
 * A cAdvisor-style per-container family of a figure kept beside the
 * containers: the runtime's stats (`usage`) or the host's cgroup figures
 * (`cgroups`). Containers without that figure are left out.
 */
export function perContainerFigure<K extends keyof Figures>(
  name: string, type: MetricType, help: string, source: K, pick: (figures: Figures[K]) => number | undefined,
  extra: Readonly<Record<string, string>> = {},
): FamilySpec {
  const suffix = extraPairs(extra);
  return {
    name, type, help, cadvisor: true,
    write(s, out) {
      // The map is read from the snapshot once per family, not per
      // container: a cached render records each read of the snapshot.
      const figures = s[source] as ReadonlyMap<string, Figures[K]>;
      const containers = s.containers;
      for (let i = 0; i < containers.length; i++) {
        const c = containers[i] as Container;
        const f = figures.get(c.id);
        if (f === undefined) continue;
        const v = pick(f);
        if (v !== undefined) out.sample(cadvisorPrefix(c), v, suffix);
      }
    },
  };
}
