// The Node.js flags the container image starts the agent with (the
// Dockerfile's ENTRYPOINT, between `node` and the script) and the
// environment it sets (its ENV lines), so that every process of the bench
// that runs the agent runs it as the image does.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianPackageOf, envOf, execForm, parseDockerfile, type Stage } from '../../test/deploy/dockerfile.js';
import { ROOT } from './build.js';

/** The image's last stage, read by the Dockerfile reader the image tests use. */
function finalStage(dockerfile: string): Stage {
  const { stages } = parseDockerfile(readFileSync(dockerfile, 'utf8'));
  const final = stages[stages.length - 1];
  if (final === undefined) throw new Error(`${dockerfile}: no stage`);
  return final;
}

/** The options between `node` and the script in the final stage's exec-form ENTRYPOINT. */
export function imageNodeFlags(dockerfile = join(ROOT, 'Dockerfile')): string[] {
  const entry = finalStage(dockerfile).instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  const argv = entry === undefined ? undefined : execForm(entry.args);
  if (argv === undefined) throw new Error(`${dockerfile}: no ENTRYPOINT in exec form`);
  if (argv[0] !== 'node') throw new Error(`${dockerfile}: ENTRYPOINT does not start node: ${entry?.args}`);
  const flags: string[] = [];
  for (const arg of argv.slice(1)) {
    if (!arg.startsWith('--')) break;
    flags.push(arg);
  }
  return flags;
}

/** The final stage's `ENV KEY=VALUE` settings. */
export function imageEnv(dockerfile = join(ROOT, 'Dockerfile')): Record<string, string> {
  return envOf(finalStage(dockerfile));
}

/**
 * Why the image's preloaded library (its allocator) would not be in the
 * bench's agent processes, or undefined when it is: a Node started with the
 * image's environment is asked which of its mappings name the library.
 * Without it the agent runs on glibc's malloc, and its memory figures are
 * not the image's.
 */
export function preloadMissing(env: Readonly<Record<string, string>> = imageEnv()): string | undefined {
  const lib = env.LD_PRELOAD;
  if (lib === undefined || lib === '') return undefined;
  const probe = "process.stdout.write(require('fs').readFileSync('/proc/self/maps', 'utf8'))";
  const r = spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) return `a node with the image's environment failed: ${r.stderr.trim()}`;
  return r.stdout.includes(`/${lib}`) ? undefined : `the image preloads ${lib}, which this machine does not have (${r.stderr.trim() || 'not mapped'}); install it (Debian: ${debianPackageOf(lib) ?? lib})`;
}
