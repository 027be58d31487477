// Renders a Snapshot's families to exposition text, once per snapshot and
// format: a scrape between two polls is served the same precomputed string.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Snapshot } from '../poller/snapshot.js';
import { familyHeader, formatValue, type Format } from './exposition.js';
import { CADVISOR_FAMILIES, CRI_FAMILIES, type FamilySpec } from './families.js';

export type View = 'all' | 'cadvisor';

const gzipAsync = promisify(gzip);

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
      parts.push(`${f.name}{${s.labels}} ${formatValue(s.value)}\n`);
    }
  }
  return parts.join('');
}

export function familiesFor(view: View): readonly FamilySpec[] {
  return view === 'cadvisor' ? CADVISOR_FAMILIES : [...CADVISOR_FAMILIES, ...CRI_FAMILIES];
}

interface Rendered {
  readonly text: string;
  gzip?: Promise<Buffer>;
}

/**
 * Keeps the rendering of the latest snapshot, per view and format, with its
 * gzip: a scrape between two polls costs neither a render nor a compression,
 * however often it comes.
 */
export class ExpositionCache {
  private seq = -1;
  private readonly rendered = new Map<string, Rendered>();

  get(snapshot: Snapshot, view: View, format: Format): string {
    return this.entry(snapshot, view, format).text;
  }

  /** The same text, gzipped once per snapshot. */
  gzipped(snapshot: Snapshot, view: View, format: Format): Promise<Buffer> {
    const e = this.entry(snapshot, view, format);
    e.gzip ??= gzipAsync(e.text);
    return e.gzip;
  }

  /** Renders and compresses what Prometheus asks for, right after a poll rather than in a scrape. */
  async warm(snapshot: Snapshot): Promise<void> {
    for (const view of ['all', 'cadvisor'] as const) await this.gzipped(snapshot, view, 'prometheus');
  }

  private entry(snapshot: Snapshot, view: View, format: Format): Rendered {
    if (snapshot.seq !== this.seq) {
      this.rendered.clear();
      this.seq = snapshot.seq;
    }
    const key = `${view}/${format}`;
    let e = this.rendered.get(key);
    if (e === undefined) {
      e = { text: renderFamilies(familiesFor(view), snapshot, format) };
      this.rendered.set(key, e);
    }
    return e;
  }
}
