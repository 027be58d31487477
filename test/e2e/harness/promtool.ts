// Wrapper around `promtool check metrics`, which reads an exposition on stdin.
//
// Behaviour measured with Debian 12's promtool 2.42.0 (all output goes to
// stderr, stdout stays empty):
//   exit 0  valid and lint-clean; no output (empty input also counts as valid).
//   exit 3  parsed fine, but lint findings, one per line, e.g.
//             `demo counter metrics should have "_total" suffix`
//             `demo_total no help text`
//             `fooBar_seconds metric names should be written in 'snake_case' not 'camelCase'`
//   exit 1  the text does not parse; a single line such as
//             `error while linting: text format parsing error in line 3: unexpected end of label value "b"`
//           Also for: a missing final newline, a non-float value, an unknown
//           TYPE, and a second TYPE line for the same metric. On a parse
//           error no lint findings are reported at all.
// So the exit code tells parse errors from lint warnings; lint findings are
// style advice (a metric without HELP is still scrapeable), hence `ok` stays
// true for exit 3 while the findings are still returned in `problems`.
import { spawn } from 'node:child_process';

const PROMTOOL_BIN = '/usr/bin/promtool';
const EXIT_OK = 0;
const EXIT_PARSE_ERROR = 1;
const EXIT_LINT_FINDINGS = 3;

export interface CheckMetricsResult {
  /** False only when the exposition cannot be parsed. */
  ok: boolean;
  /** promtool's findings: the parse error, or lint warnings when ok is true. */
  problems: string[];
}

export async function checkMetrics(exposition: string): Promise<CheckMetricsResult> {
  const { code, output } = await runWithStdin(PROMTOOL_BIN, ['check', 'metrics'], exposition);
  const problems = output.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  switch (code) {
    case EXIT_OK:
    case EXIT_LINT_FINDINGS:
      return { ok: true, problems };
    case EXIT_PARSE_ERROR:
      return { ok: false, problems };
    default:
      // Anything else means promtool itself misbehaved; do not guess.
      throw new Error(`${PROMTOOL_BIN} check metrics exited with ${code}: ${output.trim()}`);
  }
}

/** Runs a command with the given stdin; resolves with its exit code and stdout+stderr. */
function runWithStdin(bin: string, args: string[], input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (err) => reject(new Error(`running ${bin} ${args.join(' ')}: ${err.message}`)));
    // promtool may exit (e.g. on a parse error) before reading all of stdin;
    // the resulting EPIPE is expected and the exit code carries the verdict.
    child.stdin.on('error', () => {});
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.end(input);
  });
}
