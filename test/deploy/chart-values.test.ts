// The chart's values, its schema and its README's values table agree: every
// value is documented and checked, and nothing documented is missing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CHART_DIR, PACKAGE_VERSION } from './render.js';

const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
  properties: Record<string, { properties?: Record<string, unknown> }>;
};
const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };

/** Paths of every value: a map's keys descend, anything else (lists, scalars, empty maps) is a leaf. */
function paths(obj: Record<string, unknown>, leavesOnly: boolean, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) return [path];
    const below = paths(v as Record<string, unknown>, leavesOnly, path);
    return leavesOnly ? below : [path, ...below];
  });
}

const documented = new Set([...readme.matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1] as string));

describe('chart values', () => {
  it('documents every value in the README\'s table (a value or one of its parents)', () => {
    const missing = paths(values, true).filter((p) => {
      const parts = p.split('.');
      return !parts.some((_, i) => documented.has(parts.slice(0, i + 1).join('.')));
    });
    assert.deepEqual(missing, []);
  });

  it('documents no value that does not exist', () => {
    const all = new Set(paths(values, false));
    assert.deepEqual([...documented].filter((p) => !all.has(p)), []);
  });

  it('has a schema entry for every top-level value and no other', () => {
    assert.deepEqual(Object.keys(values).sort(), Object.keys(schema.properties).filter((k) => k !== 'global').sort());
  });

  it('versions the app as the package it packages', () => {
    assert.equal(chart.appVersion, PACKAGE_VERSION);
  });
});
