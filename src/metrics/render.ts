// Renders a Snapshot's families to exposition text, once per snapshot and
// format: a scrape between two polls is served the same precomputed string.
import type { Snapshot } from '../poller/snapshot.js';
import { familyHeader, formatValue, labelPairs, type Format } from './exposition.js';
import { CADVISOR_FAMILIES, CRI_FAMILIES, type FamilySpec } from './families.js';

export type View = 'all' | 'cadvisor';

/** Families sharing a name (e.g. two failure types) are written under one header. */
export function renderFamilies(families: readonly FamilySpec[], snapshot: Snapshot, format: Format): string {
  const parts: string[] = [];
  let current = '';
  for (const f of families) {
    if (f.name !== current) {
      parts.push(familyHeader(f.name, f.type, f.help, format));
      current = f.name;
    }
    for (const s of f.samples(snapshot)) {
      parts.push(`${f.name}{${labelPairs(s.names, s.values)}} ${formatValue(s.value)}\n`);
    }
  }
  return parts.join('');
}

export function familiesFor(view: View): readonly FamilySpec[] {
  return view === 'cadvisor' ? CADVISOR_FAMILIES : [...CADVISOR_FAMILIES, ...CRI_FAMILIES];
}

/** Keeps the rendering of the latest snapshot, per view and format. */
export class ExpositionCache {
  private seq = -1;
  private readonly rendered = new Map<string, string>();

  get(snapshot: Snapshot, view: View, format: Format): string {
    if (snapshot.seq !== this.seq) {
      this.rendered.clear();
      this.seq = snapshot.seq;
    }
    const key = `${view}/${format}`;
    let text = this.rendered.get(key);
    if (text === undefined) {
      text = renderFamilies(familiesFor(view), snapshot, format);
      this.rendered.set(key, text);
    }
    return text;
  }
}
