// Renders a Snapshot's families to exposition bytes, each family once for as
// long as the snapshot fields it reads stay the same: a scrape between two
// polls is served precomputed bytes, and a failed poll (which republishes the
// last data with a new time) re-renders only the families that read the time.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import type { Snapshot } from '../poller/snapshot.js';
import { familyHeader, type Format } from './exposition.js';
import { CADVISOR_FAMILIES, CRI_FAMILIES, type FamilySpec } from './families.js';
import type { LabelText } from './family.js';
import { deflateFamily, joinMember, type Deflated } from './gzip-member.js';
import { newLabelRound } from './label-cache.js';
import { LineBuffer } from './line-buffer.js';
import { ScrapeCadence } from './scrape-cadence.js';

export type View = 'all' | 'cadvisor';

export function familiesFor(view: View): readonly FamilySpec[] {
  return view === 'cadvisor' ? CADVISOR_FAMILIES : [...CADVISOR_FAMILIES, ...CRI_FAMILIES];
}

/** Families sharing a name (e.g. two failure types) are written under one header: one group. */
function groupByName(families: readonly FamilySpec[]): readonly (readonly FamilySpec[])[] {
  const groups: FamilySpec[][] = [];
  for (const f of families) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]?.name === f.name) last.push(f);
    else groups.push([f]);
  }
  return groups;
}

const GROUPS: Readonly<Record<View, readonly (readonly FamilySpec[])[]>> = {
  all: groupByName(familiesFor('all')),
  cadvisor: groupByName(familiesFor('cadvisor')),
};

// Reused by every render; a render runs to its end without yielding.
const lines = new LineBuffer();
const CLOSE = Buffer.from('} ');
const NEWLINE = 0x0a;

/** Each family's `name{`, encoded once. */
const lineStarts = new WeakMap<FamilySpec, Buffer>();

function lineStart(f: FamilySpec): Buffer {
  let start = lineStarts.get(f);
  if (start === undefined) {
    start = Buffer.from(`${f.name}{`);
    lineStarts.set(f, start);
  }
  return start;
}

function writeLabels(labels: LabelText): void {
  if (typeof labels === 'string') lines.text(labels);
  else lines.bytes(labels);
}

/** Writes a group's lines into `lines`; a family that throws leaves nothing of the group behind. */
function renderGroup(group: readonly FamilySpec[], snapshot: Snapshot, format: Format): void {
  const first = group[0] as FamilySpec;
  try {
    lines.text(familyHeader(first.name, first.type, first.help, format));
    for (const f of group) {
      const start = lineStart(f);
      f.write(snapshot, {
        sample(labels, value, more) {
          lines.bytes(start);
          writeLabels(labels);
          if (more !== undefined) writeLabels(more);
          lines.bytes(CLOSE);
          lines.value(value);
          lines.byte(NEWLINE);
        },
      });
    }
  } catch (err) {
    lines.discard();
    throw err;
  }
}

export function renderFamilies(families: readonly FamilySpec[], snapshot: Snapshot, format: Format): string {
  return Buffer.concat(groupByName(families).map((g) => {
    renderGroup(g, snapshot, format);
    return lines.take();
  })).toString();
}

/** What the scrapers of one format ask for: the families kept as text, compressed, or both. */
interface Wanted {
  readonly text: boolean;
  readonly gzip: boolean;
}

/**
 * One group's rendering, with the snapshot fields it read and their values
 * then. Only the forms scrapers ask for are kept: the usage families' text,
 * ~5 MB at 1000 containers, is rendered anew after every poll, and a buffer
 * kept until the next poll is one V8 frees only in a full collection (and
 * counts towards starting one). As Prometheus asks for gzip alone, the text
 * is compressed as soon as it is written and then dropped. Holds its text,
 * its compressed form, or both.
 */
interface Rendered {
  readonly inputs: ReadonlyMap<PropertyKey, unknown>;
  readonly text: Buffer | undefined;
  /** Raw deflate data of the text, ending in a sync flush. */
  deflated: Buffer | undefined;
  /** CRC-32 and length of the text, for the gzip trailer. */
  readonly crc: number;
  readonly bytes: number;
}

/**
 * Renders through a proxy that records which fields of the snapshot the
 * families read. A snapshot and its parts are frozen, so a later snapshot
 * holding the same values there would render the same bytes.
 */
function renderTracked(group: readonly FamilySpec[], snapshot: Snapshot, format: Format, want: Wanted): Rendered {
  const inputs = new Map<PropertyKey, unknown>();
  const tracked = new Proxy(snapshot, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      inputs.set(key, value);
      return value;
    },
  });
  renderGroup(group, tracked, format);
  const written = lines.view();
  const crc = written.length === 0 ? 0 : crc32(written);
  const bytes = written.length;
  const deflated = want.gzip ? deflateFamily(written) : undefined;
  const text = want.text || deflated === undefined ? lines.take() : undefined;
  lines.discard();
  return { inputs, text, deflated, crc, bytes };
}

function deflatedOf(r: Rendered): Buffer {
  // A part always keeps its text when it was not compressed (renderTracked).
  r.deflated ??= deflateFamily(r.text as Buffer);
  return r.deflated;
}

/**
 * The lists and maps of a snapshot are compared by identity (a failed poll
 * passes the last ones on, an unchanged node keeps its container list), its
 * small records by content: the poller describes the runtime afresh each
 * time.
 */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => same(Reflect.get(a, k), Reflect.get(b, k)));
}

/** A plain object: not a list, a map or anything else whose content is not its own keys. */
function isRecord(v: unknown): v is object {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function stillValid(r: Rendered, snapshot: Snapshot): boolean {
  for (const [key, value] of r.inputs) {
    if (!same(Reflect.get(snapshot, key), value)) return false;
  }
  return true;
}

/** The uncompressed exposition, in parts (one per family) to be written one after another. */
export interface Exposition {
  readonly parts: readonly Buffer[];
  readonly bytes: number;
}

/** The families of a view as the head of one gzip member. */
function deflateView(parts: readonly Rendered[]): Deflated {
  return joinMember(parts.map((p) => ({ deflated: deflatedOf(p), crc: p.crc, bytes: p.bytes })));
}

interface ViewEntry {
  snapshot: Snapshot;
  readonly parts: readonly Rendered[];
  text?: Exposition;
  deflated?: Deflated;
}

type Key = `${View}/${Format}`;

interface Asked {
  /** Whether it was asked for gzipped, and uncompressed, so that warming up prepares those forms. */
  gzip: boolean;
  text: boolean;
  /** When it was last asked for, and when its scrapers come back, so that a snapshot is prepared only when one is due. */
  readonly cadence: ScrapeCadence;
}

/** A view or format nobody asked for in this long is no longer rendered after each poll. */
const WARM_FOR_MS = 10 * 60_000;

/**
 * Keeps the rendering of the latest snapshot, per family and format, and of
 * each view with its compression: a scrape between two polls costs neither a
 * render nor a compression, however often it comes.
 */
export class ExpositionCache {
  private readonly groups = new Map<Format, Map<FamilySpec, Rendered>>();
  private readonly views = new Map<Key, ViewEntry>();
  /**
   * What scrapers asked for and when; before any scrape, what Prometheus asks
   * for at /metrics. /metrics/cadvisor shares its families, so its first
   * scrape only checksums and joins them; after that it is warmed too.
   */
  private readonly asked = new Map<Key, Asked>([['all/openmetrics', { gzip: true, text: false, cadence: new ScrapeCadence() }]]);
  /** When the cache was made: what was never asked for counts as asked for then. */
  private readonly since: number;
  private warming = 0;

  /** `now`: the clock, in milliseconds. */
  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  text(snapshot: Snapshot, view: View, format: Format): Exposition {
    this.note(view, format, false);
    const entry = this.entry(snapshot, view, format);
    entry.text ??= { parts: entry.parts.map((p) => p.text as Buffer), bytes: entry.parts.reduce((n, p) => n + p.bytes, 0) };
    return entry.text;
  }

  /** The whole text as one string (tests, the bench); scrapes use text() or deflated(). */
  get(snapshot: Snapshot, view: View, format: Format): string {
    return Buffer.concat(this.text(snapshot, view, format).parts).toString();
  }

  deflated(snapshot: Snapshot, view: View, format: Format): Deflated {
    this.note(view, format, true);
    return this.compressed(this.entry(snapshot, view, format));
  }

  /**
   * Renders and compresses, right after a poll rather than in a scrape, what
   * was asked for lately and will be asked for again before `until` (when
   * the next snapshot is expected, in milliseconds; without it, everything
   * asked for lately), one family per turn of the event loop so that scrapes
   * meanwhile are not held up. A newer snapshot's warm-up stops this one.
   */
  async warm(snapshot: Snapshot, until?: number): Promise<void> {
    const run = ++this.warming;
    // The poll that publishes the snapshot ends first; rendering starts on the next turn.
    await nextTurn();
    if (run !== this.warming) return;
    newLabelRound();
    const now = this.now();
    for (const [key, asked] of this.asked) {
      if (now - (asked.cadence.lastAt ?? this.since) > WARM_FOR_MS) this.forget(key);
    }
    for (const [key, asked] of [...this.asked]) {
      if (until !== undefined && !asked.cadence.dueBefore(now, until)) continue;
      const [view, format] = key.split('/') as [View, Format];
      const want = this.wanted(format);
      for (const group of GROUPS[view]) {
        this.rendered(group, snapshot, format, want);
        await nextTurn();
        if (run !== this.warming) return;
      }
      const entry = this.entry(snapshot, view, format);
      if (asked.gzip) this.compressed(entry);
    }
  }

  /** Whether the view of this snapshot is rendered already, so that a scrape would be served without rendering it. */
  prepared(snapshot: Snapshot, view: View, format: Format): boolean {
    return this.views.get(`${view}/${format}`)?.snapshot === snapshot;
  }

  private note(view: View, format: Format, gzip: boolean): void {
    const key: Key = `${view}/${format}`;
    const now = this.now();
    let asked = this.asked.get(key);
    if (asked === undefined) {
      asked = { gzip: false, text: false, cadence: new ScrapeCadence() };
      this.asked.set(key, asked);
    }
    if (gzip) asked.gzip = true;
    else asked.text = true;
    asked.cadence.asked(now);
  }

  /** The forms the families of a format are kept in: what any view of that format was asked for. */
  private wanted(format: Format): Wanted {
    let text = false;
    let gzip = false;
    for (const [key, asked] of this.asked) {
      if (!key.endsWith(`/${format}`)) continue;
      text ||= asked.text;
      gzip ||= asked.gzip;
    }
    return { text, gzip };
  }

  private compressed(e: ViewEntry): Deflated {
    e.deflated ??= deflateView(e.parts);
    return e.deflated;
  }

  private entry(snapshot: Snapshot, view: View, format: Format): ViewEntry {
    const key: Key = `${view}/${format}`;
    const want = this.wanted(format);
    const cached = this.views.get(key);
    if (cached?.snapshot === snapshot && cached.parts.every((p) => hasText(p, want))) return cached;
    const parts = GROUPS[view].map((g) => this.rendered(g, snapshot, format, want));
    if (cached !== undefined && parts.every((p, i) => p === cached.parts[i])) {
      cached.snapshot = snapshot;
      return cached;
    }
    const entry: ViewEntry = { snapshot, parts };
    this.views.set(key, entry);
    return entry;
  }

  private rendered(group: readonly FamilySpec[], snapshot: Snapshot, format: Format, want: Wanted): Rendered {
    let byGroup = this.groups.get(format);
    if (byGroup === undefined) {
      byGroup = new Map();
      this.groups.set(format, byGroup);
    }
    const first = group[0] as FamilySpec;
    const cached = byGroup.get(first);
    // A part rendered while nobody asked for text is rendered again when someone does: the same bytes.
    if (cached !== undefined && hasText(cached, want) && stillValid(cached, snapshot)) return cached;
    const fresh = renderTracked(group, snapshot, format, want);
    byGroup.set(first, fresh);
    return fresh;
  }

  /** Drops a view nobody asks for any more, and its format's families when no view uses them. */
  private forget(key: Key): void {
    this.asked.delete(key);
    this.views.delete(key);
    const format = key.split('/')[1] as Format;
    if (![...this.asked.keys()].some((k) => k.endsWith(`/${format}`))) this.groups.delete(format);
  }
}

/** Whether the part holds its text, where it is wanted. */
function hasText(part: Rendered, want: Wanted): boolean {
  return !want.text || part.text !== undefined;
}
