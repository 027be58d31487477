// Plain-text tables: header, a rule, right-aligned numbers.

export type Cell = string | number | undefined;

function show(c: Cell, digits: number): string {
  if (c === undefined) return '–';
  if (typeof c === 'string') return c;
  if (Number.isNaN(c)) return 'n/a';
  return Number.isInteger(c) ? String(c) : c.toFixed(digits);
}

/** Renders rows under headers; numbers get `digits` decimals and are right-aligned. */
export function table(headers: readonly string[], rows: readonly Cell[][], digits = 1): string {
  const text = rows.map((r) => r.map((c) => show(c, digits)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], numeric: readonly boolean[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const numeric = headers.map((_, i) => rows.some((r) => typeof r[i] === 'number'));
  return [
    line(headers, numeric),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((r) => line(r, numeric)),
  ].join('\n');
}

/** The same table as Markdown, for docs/benchmarks.md. */
export function markdown(headers: readonly string[], rows: readonly Cell[][], digits = 1): string {
  const text = rows.map((r) => r.map((c) => show(c, digits)));
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...text.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
