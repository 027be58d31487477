// `node --import tsx bench/full-gc-garbage.ts [--pods 500] [--polls 20] [--modes agent,agent-cri,floor]`
// What one poll leaves that only a full (mark-compact) collection frees, per
// poll mode (lib/poll-modes.ts), at a node of --pods × 2 simulated
// containers: the ArrayBuffer memory (answers, compressed exposition) and
// the old-space objects a poll adds. Both decide how often V8 runs its full
// collections, each of which costs tens of milliseconds of CPU on V8's
// helper threads at 1000 containers.
//
// Each mode runs in a child process of its own (children/gc-garbage.ts)
// with the image's Node flags and --expose-gc; the simulated runtime runs in
// another, so that its buffers are not counted. The medians are printed; no
// baseline is needed, the modes are compared with one another in the same
// run (floor: the bare client). Each mode after an agent mode repeats the
// list calls of the agent's last poll, as the polls phase of the bench does.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { GcGarbageResult } from './children/gc-garbage.js';
import { startChild } from './lib/children.js';
import { imageNodeFlags } from './lib/image-flags.js';
import { LIST_CALLS, listCallsOf } from './lib/poll-modes.js';
import { table } from './lib/table.js';

const { values: flags } = parseArgs({
  options: {
    pods: { type: 'string', default: '500' },
    polls: { type: 'string', default: '20' },
    modes: { type: 'string', default: 'agent,agent-cri,floor' },
  },
});

const script = (name: string) => fileURLToPath(new URL(`./children/${name}.ts`, import.meta.url));

const sim = startChild(script('sim'), { pods: Number(flags.pods), containersPerPod: 2, profile: 'containerd' }, ['--import', 'tsx']);
try {
  const ready = await sim.next('ready', 120_000);
  const endpoint = `unix://${String(ready.socketPath)}`;
  const rows: GcGarbageResult[] = [];
  let methods = LIST_CALLS;
  for (const mode of String(flags.modes).split(',')) {
    const child = startChild(script('gc-garbage'), { mode, endpoint, methods, polls: Number(flags.polls) }, [...imageNodeFlags(), '--expose-gc', '--import', 'tsx']);
    const row = (await child.result) as unknown as GcGarbageResult;
    rows.push(row);
    if (mode.startsWith('agent')) methods = listCallsOf(row.calls);
  }
  console.log(`What a poll leaves for a full collection, ${Number(ready.containers)} simulated containers (medians over polls without one)`);
  console.log(table(['mode', 'polls', 'ArrayBuffer KiB', 'old space KiB'], rows.map((r) => [r.mode, r.polls, r.arrayBufferKiB.toFixed(0), r.oldSpaceKiB.toFixed(0)])));
  console.log(`the floors' calls per poll: ${methods.join(', ')}`);
} finally {
  await sim.stop();
}
