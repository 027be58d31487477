// The shape every metric family is declared in, and the builders of the
// cAdvisor-style per-container families: the label set comes from one place.
import type { Container, Snapshot } from '../poller/snapshot.js';
import type { MetricType } from './exposition.js';
import { cadvisorLabels, CADVISOR_LABELS } from './labels.js';

export interface Sample {
  /** Label names of this sample, in order. */
  readonly names: readonly string[];
  readonly values: readonly string[];
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
  const extraNames = Object.keys(extra);
  const extraValues = Object.values(extra);
  return {
    name, type, help, cadvisor: true,
    *samples(s) {
      for (const c of s.containers) {
        const v = pick(c);
        if (v === undefined) continue;
        yield { names: [...CADVISOR_LABELS, ...extraNames], values: [...cadvisorLabels(c), ...extraValues], value: v };
      }
    },
  };
}
