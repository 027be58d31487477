// The processes under test run compiled JavaScript, as the product ships:
// under tsx every process would carry a loader thread and a transpile cache
// that the product does not have, and the memory figures would be off.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);
const OUT = join(ROOT, 'dist', 'bench');

export interface Build {
  /** The agent's CLI, compiled. */
  readonly cli: string;
  /** A compiled child script of bench/children. */
  child(name: 'sim' | 'poll' | 'http-floor'): string;
}

/** Compiles src/ and bench/ into dist/bench (incremental). Type errors are reported but do not stop the bench. */
export async function build(log: (line: string) => void): Promise<Build> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await execFileAsync(process.execPath, [tsc, '-p', join(BENCH_DIR, 'tsconfig.json')], { cwd: ROOT, maxBuffer: 16 << 20 });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    log(`warning: tsc reported errors; running what it emitted:\n${out.split('\n').slice(0, 10).join('\n')}`);
  }
  const cli = join(OUT, 'src', 'main.js');
  if (!existsSync(cli)) throw new Error(`build produced no ${cli}`);
  return { cli, child: (name) => join(OUT, 'bench', 'children', `${name}.js`) };
}
