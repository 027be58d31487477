// Prints the tables of a results file written by `npm run bench`, as text
// or (with --markdown) as Markdown, e.g. for docs/benchmarks.md.
//   node --import tsx bench/render-results.ts bench/results/bench-….json [--markdown]
import { readFileSync } from 'node:fs';
import { markdownReport, textReport } from './lib/report.js';
import type { Results } from './lib/targets.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: render-results.ts FILE.json [--markdown]\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
process.stdout.write(`${args.includes('--markdown') ? markdownReport(results) : textReport(results)}\n`);
