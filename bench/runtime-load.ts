// What the agent's polling costs the runtime: containerd with its shims and
// containers, measured over alternating windows with the agent polling every
// 10 s and with nothing polling, against one private containerd (the e2e
// harness's) with 110 pods and 150 containers. Alternating, because the
// runtime's own background work moves between minutes by more than the
// difference: the real part of `npm run bench` measures its windows one
// after the other. Needs root, like the end-to-end tests.
//   node --import tsx bench/runtime-load.ts [--rounds N] [--window-seconds S]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startContainerd, type Containerd } from '../test/e2e/harness/containerd.js';
import { missingPreconditions } from '../test/e2e/harness/preconditions.js';
import { connectRuntime, runPod, type RuntimeClient } from '../test/e2e/harness/pods.js';
import { build } from './lib/build.js';
import { imageEnv, imageNodeFlags } from './lib/image-flags.js';
import { cpuMs } from './lib/procstat.js';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string' }, 'window-seconds': { type: 'string' } } });
const ROUNDS = Number(flags.rounds ?? 3);
const WINDOW_SECONDS = Number(flags['window-seconds'] ?? 120);
const SETTLE_SECONDS = 30;
const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const missing = missingPreconditions(['containerd', 'runc', 'ctr']) ?? (existsSync('/bin/busybox') ? undefined : 'missing /bin/busybox');
if (missing !== undefined) {
  log(`runtime-load: cannot run here: ${missing}`);
  process.exit(2);
}

/** 40 pods of two containers and 70 of one, as the bench's real part makes them. */
async function addPods(cri: RuntimeClient, cd: Containerd): Promise<void> {
  const specs = [...Array.from({ length: 40 }, () => 2), ...Array.from({ length: 70 }, () => 1)];
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      await runPod(cri, {
        name: `load-${i}`, namespace: 'load', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, logDir: cd.logDir,
        containers: ['app', 'sidecar'].slice(0, specs[i]).map((name) => ({ name, command: ['sleep', '100000'] })),
      });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

async function runtimeCpu(cd: Containerd): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const pid of await cd.processes()) {
    try {
      out.set(pid, cpuMs(pid));
    } catch {
      // gone since it was listed
    }
  }
  return out;
}

function cpuSince(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (start !== undefined) sum += end - start;
  }
  return sum;
}

function startAgent(cli: string, endpoint: string): ChildProcess {
  const args = [...imageNodeFlags(), cli, 'serve', '--runtime-endpoint', endpoint, '--listen', '127.0.0.1:0', '--poll-interval', '10s', '--log-level', 'warn', '--node-name', 'bench'];
  return spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, ...imageEnv() } });
}

async function stopAgent(agent: ChildProcess): Promise<void> {
  if (agent.exitCode !== null) return;
  const exited = new Promise((r) => agent.once('exit', r));
  agent.kill('SIGTERM');
  await exited;
}

const { cli } = await build(log);
const cd = await startContainerd();
const cri = connectRuntime(cd.endpoint);
let agent: ChildProcess | undefined;
const stop = async () => {
  if (agent) await stopAgent(agent);
  cri.close();
  await cd.stop();
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  await addPods(cri, cd);
  log(`containerd with 110 pods, 150 containers; ${ROUNDS} rounds of ${WINDOW_SECONDS} s with the agent polling every 10 s, then ${WINDOW_SECONDS} s without`);
  const differences: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const figures: number[] = [];
    for (const polling of [true, false]) {
      agent = polling ? startAgent(cli, cd.endpoint) : undefined;
      await sleep(SETTLE_SECONDS * 1000);
      const runtime0 = await runtimeCpu(cd);
      const agent0 = agent?.pid !== undefined ? cpuMs(agent.pid) : 0;
      await sleep(WINDOW_SECONDS * 1000);
      const runtime = cpuSince(runtime0, await runtimeCpu(cd)) / WINDOW_SECONDS;
      const own = agent?.pid !== undefined ? (cpuMs(agent.pid) - agent0) / WINDOW_SECONDS : undefined;
      figures.push(runtime);
      log(`round ${round}, agent ${polling ? 'polling' : 'stopped'}: containerd + shims ${runtime.toFixed(1)} millicores${own !== undefined ? `; the agent itself ${own.toFixed(1)}` : ''}`);
      if (agent) await stopAgent(agent);
      agent = undefined;
    }
    differences.push((figures[0] as number) - (figures[1] as number));
  }
  log(`what the agent's polling adds to the runtime: ${differences.map((d) => d.toFixed(1)).join(', ')} millicores`);
} finally {
  await stop();
}
