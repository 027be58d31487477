// The shape every metric family is declared in, and the builders of the
// cAdvisor-style per-container families: the label set comes from one place.
import type { Container, Snapshot } from '../poller/snapshot.js';
import type { MetricType } from './exposition.js';
import { cadvisorPrefix, extraPairs } from './labels.js';

export interface Sample {
  /** The sample's label pairs, already escaped and joined (`a="x",b="y"`), so the renderer only concatenates. */
  readonly labels: string;
  readonly value: number;
}

export interface FamilySpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly cadvisor: boolean;
  readonly samples: (s: Snapshot) => Iterable<Sample>;
}

export type ContainerValue = (c: Container) => number | undefined;

/** A cAdvisor-style per-container family; containers without a value are left out. */
export function perContainer(name: string, type: MetricType, help: string, pick: ContainerValue, extra: Readonly<Record<string, string>> = {}): FamilySpec {
  // The constant labels are escaped once per family, the container's once per container.
  const suffix = extraPairs(extra);
  return {
    name, type, help, cadvisor: true,
    *samples(s) {
      for (const c of s.containers) {
        const v = pick(c);
        if (v === undefined) continue;
        yield { labels: cadvisorPrefix(c) + suffix, value: v };
      }
    },
  };
}
