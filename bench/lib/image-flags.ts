// The Node.js flags the container image starts the agent with (the
// Dockerfile's ENTRYPOINT, between `node` and the script), so that every
// process of the bench that runs the agent runs it as the image does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './build.js';

export function imageNodeFlags(dockerfile = join(ROOT, 'Dockerfile')): string[] {
  const text = readFileSync(dockerfile, 'utf8');
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text)?.[1];
  if (line === undefined) throw new Error(`${dockerfile}: no ENTRYPOINT in exec form`);
  const argv = JSON.parse(line) as unknown;
  if (!Array.isArray(argv) || argv[0] !== 'node') throw new Error(`${dockerfile}: ENTRYPOINT does not start node: ${line}`);
  const flags: string[] = [];
  for (const arg of argv.slice(1) as string[]) {
    if (!arg.startsWith('--')) break;
    flags.push(arg);
  }
  return flags;
}
