// What the agent's polling costs the runtime: containerd with its shims and
// containers, measured over alternating windows with the agent polling every
// 10 s and with nothing polling, against one private containerd (the e2e
// harness's) with the real part's 110 pods and 150 containers. Alternating,
// because the runtime's own background work moves between minutes by more
// than the difference: the real part of `npm run bench` measures its windows
// one after the other. Needs root, like the end-to-end tests.
//   node --import tsx bench/runtime-load.ts [--rounds N] [--window-seconds S]
import { parseArgs } from 'node:util';
import { startContainerd } from '../test/e2e/harness/containerd.js';
import { connectRuntime } from '../test/e2e/harness/pods.js';
import { startAgentProcess, type AgentProcess } from './lib/agent-process.js';
import { build } from './lib/build.js';
import { cleanup, cleanupOnSignals, onCleanup } from './lib/cleanup.js';
import { cpuMs } from './lib/procstat.js';
import { realUnavailable, RealNode, runtimeCpu, runtimeCpuSince } from './phases/real.js';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string' }, 'window-seconds': { type: 'string' } } });
const ROUNDS = Number(flags.rounds ?? 3);
const WINDOW_SECONDS = Number(flags['window-seconds'] ?? 120);
const SETTLE_SECONDS = 30;
const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const unavailable = realUnavailable();
if (unavailable !== undefined) {
  log(`runtime-load: cannot run here: ${unavailable}`);
  process.exit(2);
}
cleanupOnSignals();

const { cli } = await build(log);
const cd = await startContainerd();
const cri = connectRuntime(cd.endpoint);
onCleanup(async () => {
  cri.close();
  await cd.stop();
});
try {
  const node = new RealNode(cd, cri);
  await node.add(40, 2);
  await node.add(70, 1);
  const { containers, pods } = node.subject();
  log(`containerd with ${pods} pods, ${containers} containers; ${ROUNDS} rounds of ${WINDOW_SECONDS} s with the agent polling every 10 s, then ${WINDOW_SECONDS} s without`);
  const differences: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const figures: number[] = [];
    for (const polling of [true, false]) {
      const agent: AgentProcess | undefined = polling ? await startAgentProcess(cli, cd.endpoint, ['--poll-interval', '10s'], 120_000) : undefined;
      try {
        await sleep(SETTLE_SECONDS * 1000);
        const runtime0 = await runtimeCpu(cd);
        const agent0 = agent ? cpuMs(agent.pid) : 0;
        await sleep(WINDOW_SECONDS * 1000);
        const runtime = runtimeCpuSince(runtime0, await runtimeCpu(cd)) / WINDOW_SECONDS;
        const own = agent ? (cpuMs(agent.pid) - agent0) / WINDOW_SECONDS : undefined;
        figures.push(runtime);
        log(`round ${round}, agent ${polling ? 'polling' : 'stopped'}: containerd + shims ${runtime.toFixed(1)} millicores${own !== undefined ? `; the agent itself ${own.toFixed(1)}` : ''}`);
      } finally {
        await agent?.stop();
      }
    }
    differences.push((figures[0] as number) - (figures[1] as number));
  }
  log(`what the agent's polling adds to the runtime: ${differences.map((d) => d.toFixed(1)).join(', ')} millicores`);
} finally {
  await cleanup();
}
