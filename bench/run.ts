// `npm run bench`: the performance figures of issue "[5/7] Performance" in
// one run — poll cycle vs floor vs classic, HTTP latency, memory and its
// growth under churn, on the simulated runtime and on a real containerd —
// printed as tables with the targets, and written as JSON to bench/results/.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, BENCH_DIR, ROOT } from './lib/build.js';
import { cleanup, cleanupOnSignals } from './lib/cleanup.js';
import type { BenchContext, PeerRow, PeerSkipped, PollRow, ServeRow, SoakRow } from './lib/context.js';
import { preloadMissing } from './lib/image-flags.js';
import { MiB } from './lib/procstat.js';
import { wrkVersion } from './lib/load.js';
import { markdownReport, textReport } from './lib/report.js';
import { checkTargets } from './lib/targets.js';
import { realUnavailable, runReal } from './phases/real.js';
import { runSimSize } from './phases/sim.js';
import { runSoak } from './phases/soak.js';

const USAGE = `npm run bench [-- options]
  --quick               a 1–2 minute subset: 50 and 1000 containers, shorter cells, a 30 s soak, no real containerd
  --real / --no-real    use the real containerd of the e2e harness (default: on when root and containerd are present, off with --quick)
  --sizes 50,300,…      simulated node sizes in containers (default 50,300,1000,5000)
  --cell-seconds N      seconds per HTTP load cell (default 3)
  --soak-containers N   soak node size (default 1000)
  --soak-cycles N       soak polls (default 10000)
  --soak-seconds N      soak time limit (default 120; the soak stops at whichever comes first)
  --soak-interval-ms N  the agent's poll interval during the soak (default 500)
  --parts LIST          which parts to run, of polls,serve,soak,real (default: all)
  --markdown            also print the tables as Markdown
  --profile             write V8 CPU profiles of the agent's timed polls to bench/results/profiles/
                        (summarise one with: node --import tsx bench/profile-summary.ts FILE)
`;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' }, real: { type: 'boolean' }, 'no-real': { type: 'boolean' }, sizes: { type: 'string' },
    'cell-seconds': { type: 'string' }, 'soak-containers': { type: 'string' }, 'soak-cycles': { type: 'string' },
    'soak-seconds': { type: 'string' }, 'soak-interval-ms': { type: 'string' }, markdown: { type: 'boolean' }, parts: { type: 'string' }, profile: { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (flags.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const quick = flags.quick === true;
const num = (v: string | undefined, fallback: number): number => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`bench: not a positive number: ${v}`);
  return n;
};
const sizes = (flags.sizes ?? (quick ? '50,1000' : '50,300,1000,5000')).split(',').map((s) => num(s, 0));
const parts = new Set((flags.parts ?? 'polls,serve,soak,real').split(','));
const soakPlan = {
  containers: num(flags['soak-containers'], 1000),
  cycles: num(flags['soak-cycles'], 10_000),
  budgetSeconds: num(flags['soak-seconds'], quick ? 30 : 120),
  intervalMs: num(flags['soak-interval-ms'], 500),
  churnPods: 1,
};

function machine() {
  const containerd = (() => {
    try {
      return execFileSync('containerd', ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'not installed';
    }
  })();
  return {
    nproc: availableParallelism(), cpu: cpus()[0]?.model ?? '', memoryMiB: Math.round(totalmem() / MiB), kernel: release(),
    node: process.version, containerd, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = Date.now();
  const log = (line: string) => {
    const s = Math.round((Date.now() - t0) / 1000);
    process.stderr.write(`[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${line}\n`);
  };
  cleanupOnSignals();
  const load = loadavg()[0] ?? 0;
  const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  if (load > 0.5) log(`warning: load average ${load.toFixed(2)} before the bench started; other work on this machine skews every figure`);
  const preload = preloadMissing();
  if (preload) log(`warning: ${preload}; every memory figure of the agent is then not the image's`);
  if (parts.has('serve')) await wrkVersion();
  const realReason = realUnavailable();
  const useReal = flags['no-real'] || !parts.has('real') ? false : flags.real === true ? true : !quick && realReason === undefined;
  if (useReal && realReason) throw new Error(`--real: ${realReason}`);
  log('building src/ and bench/ into dist/bench …');
  const tmp = await mkdtemp(join(tmpdir(), 'crib-'));
  const profileDir = flags.profile ? join(BENCH_DIR, 'results', 'profiles') : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const ctx: BenchContext = { build: await build(log), tmp, quick, cellSeconds: num(flags['cell-seconds'], quick ? 2 : 3), log, profileDir };
  const polls: PollRow[] = [];
  const serve: ServeRow[] = [];
  let soak: SoakRow | undefined;
  let peers: (PeerRow | PeerSkipped)[] | undefined;
  let runtimeAloneMillicores: number | undefined;
  try {
    if (parts.has('serve')) {
      // The agent with nothing to report: what its code and libraries alone take.
      const r = await runSimSize(ctx, 0, { polls: false, serve: true, cells: false });
      if (r.serve) serve.push(r.serve);
    }
    for (const size of parts.has('polls') || parts.has('serve') ? sizes : []) {
      const r = await runSimSize(ctx, size, { polls: parts.has('polls'), serve: parts.has('serve') });
      polls.push(...r.polls);
      if (r.serve) serve.push(r.serve);
    }
    if (parts.has('soak')) soak = await runSoak(ctx, soakPlan);
    if (useReal && parts.has('real')) {
      const r = await runReal(ctx);
      polls.push(...r.polls);
      serve.push(...r.serve);
      peers = r.peers;
      runtimeAloneMillicores = r.runtimeAloneMillicores;
    } else {
      const why = flags['no-real'] ? '--no-real' : !parts.has('real') ? '--parts' : quick && !flags.real ? '--quick (add --real)' : realReason;
      log(`\n*** real containerd skipped: ${why} ***\n`);
    }
  } finally {
    await cleanup();
    await rm(tmp, { recursive: true, force: true });
  }
  const results = { polls, serve, soak, peers, runtimeAloneMillicores };
  log(`done in ${Math.round((Date.now() - t0) / 1000)} s`);
  process.stdout.write(`\n${textReport(results)}\n`);
  if (flags.markdown) process.stdout.write(`\n${markdownReport(results)}\n`);
  const wrk = await wrkVersion().catch(() => 'not installed');
  const out = join(BENCH_DIR, 'results', `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
  await writeFile(out, `${JSON.stringify({
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
    machine: { ...machine(), loadAverageAtStart: loadAtStart, wrk }, options: { quick, sizes, soak: soakPlan, real: useReal, cellSeconds: ctx.cellSeconds },
    targets: checkTargets(results), ...results,
  }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${out}\n`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  await cleanup();
  process.exit(1);
});
