// The bench's tables, as plain text for the terminal and as Markdown.
import type { PeerRow, PeerSkipped, PollRow } from './context.js';
import type { CellResult } from './load.js';
import { MiB } from './procstat.js';
import { markdown, table, type Cell } from './table.js';
import { checkTargets, type Results } from './targets.js';

interface Section {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: Cell[][];
}

const KiB = 1024;
const ratio = (a: number, floor: number | undefined) => (floor === undefined ? undefined : `${(a / floor).toFixed(2)}×`);
const mib = (b: number | undefined) => (b === undefined ? undefined : b / MiB);
const ANSWER_CALLS = ['ListContainers', 'ListContainerStats', 'ListPodSandboxStats', 'ListPodSandbox', 'ListImages', 'Status', 'ImageFsInfo'];

function floorOf(r: Results, p: PollRow): PollRow | undefined {
  return r.polls.find((f) => f.mode === 'floor' && f.runtime === p.runtime && f.containers === p.containers);
}

function httpRow(containers: number, server: string, c: CellResult): Cell[] {
  const none = `> ${c.seconds * 1000}`; // no answer within the cell
  return [containers, server, c.path, c.connections, c.ok, c.ok ? c.p50Ms : none, c.ok ? c.p99Ms : none, c.ok ? c.maxMs : none,
    c.requestsPerSecond, c.cpuMsPerRequest.toFixed(2), c.ok ? c.bytesPerResponse / KiB : undefined];
}

function sections(r: Results): Section[] {
  const out: Section[] = [{
    title: 'Poll cycle (steady state; median of the timed polls; CPU of the polling process only: "CPU ms" until the poll publishes its snapshot, "exposition CPU ms" the render and gzip of /metrics that follow it)',
    headers: ['runtime', 'containers', 'pods', 'mode', 'polls', 'wall ms', 'wall max', 'CPU ms', 'wall/floor', 'CPU/floor', 'calls/poll', 'rx KiB/poll', 'loop block ms', 'exposition CPU ms'],
    rows: r.polls.map((p) => {
      const f = floorOf(r, p);
      return [p.runtime, p.containers, p.pods, p.mode, p.polls, p.wallMs, p.wallMaxMs, p.cpuMs,
        ratio(p.wallMs, f?.wallMs), ratio(p.cpuMs, f?.cpuMs), p.callsPerPoll, p.receivedBytes / KiB, p.loopBlockMaxMs, p.exposeCpuMs];
    }),
  }, {
    title: 'Rendering one snapshot (CPU ms, in the polling process): exposition text, its gzip, the /api/v1/containers JSON',
    headers: ['runtime', 'containers', 'text KiB', 'render ms', 'gzip KiB', 'gzip ms', 'JSON KiB', 'JSON ms'],
    rows: r.polls.filter((p) => p.render).map((p) => {
      const x = p.render as NonNullable<PollRow['render']>;
      return [p.runtime, p.containers, x.textBytes / KiB, x.renderMs, x.gzipBytes / KiB, x.gzipMs, x.jsonBytes / KiB, x.jsonMs];
    }),
  }, {
    title: 'Answer size per call, KiB of protobuf (from the floor-raw client)',
    headers: ['runtime', 'containers', ...ANSWER_CALLS],
    rows: r.polls.filter((p) => p.answerBytes).map((p) => [p.runtime, p.containers, ...ANSWER_CALLS.map((m) => {
      const b = p.answerBytes?.[m];
      return b === undefined ? undefined : b / KiB;
    })]),
  }, {
    title: 'Answer time per call, ms (from the floor-raw client, last poll, all calls issued at once)',
    headers: ['runtime', 'containers', ...ANSWER_CALLS],
    rows: r.polls.filter((p) => p.answerMs).map((p) => [p.runtime, p.containers, ...ANSWER_CALLS.map((m) => p.answerMs?.[m])]),
  }, {
    title: 'HTTP (compiled agent CLI, loopback, wrk; /metrics with Prometheus\'s Accept and Accept-Encoding: gzip; "floor": a bare node:http server sending the agent\'s /metrics bytes)',
    headers: ['containers', 'server', 'path', 'clients', 'ok', 'p50 ms', 'p99 ms', 'max ms', 'req/s', 'CPU ms/req', 'KiB/resp'],
    rows: r.serve.flatMap((s) => [
      ...s.cells.map((c) => httpRow(s.containers, 'agent', c)),
      ...(s.floorCells ?? []).map((c) => httpRow(s.containers, 'floor', c)),
    ]),
  }, {
    title: 'Agent memory (compiled agent CLI; RSS from /proc)',
    headers: ['runtime', 'containers', 'pods', 'RSS warm MiB', 'heap used MiB', 'heap total MiB', 'external MiB', 'RSS after load MiB', 'peak MiB', 'CPU millicores (10 s polls, scraped every 30 s)'],
    rows: r.serve.map((s) => [s.runtime, s.containers, s.pods, s.rssWarmBytes / MiB, mib(s.heapUsedBytes), mib(s.heapTotalBytes), mib(s.externalBytes),
      mib(s.rssAfterLoadBytes), s.rssPeakBytes / MiB, s.idle?.millicores]),
  }];
  if (r.soak) {
    const s = r.soak;
    out.push({
      title: `Soak: the agent CLI polling every ${s.intervalMs} ms, ${s.churnPodsPerCycle} pod(s) replaced per poll, /metrics (gzip) + /api/v1/containers every 5 s`,
      headers: ['containers', 'polls', 'asked', 'seconds', 'warm from poll', 'RSS first quarter MiB', 'RSS last quarter MiB', 'RSS max MiB', 'growth %', 'CPU ms/poll',
        'heap used first → last MiB', 'external first → last MiB'],
      rows: [[s.containers, s.cycles, s.cyclesAsked, s.seconds, s.warmCycle, s.rssWarmBytes / MiB, s.rssEndBytes / MiB, s.rssMaxBytes / MiB, s.growthPercent, s.cpuMsPerPoll,
        s.heap ? `${(s.heap.usedFirst / MiB).toFixed(1)} → ${(s.heap.usedLast / MiB).toFixed(1)}` : undefined,
        s.heap ? `${(s.heap.externalFirst / MiB).toFixed(1)} → ${(s.heap.externalLast / MiB).toFixed(1)}` : undefined]],
    });
  }
  const peers = r.peers ?? [];
  const ran = peers.filter((p): p is PeerRow => 'idle' in p);
  if (peers.length > 0) {
    const skipped = peers.filter((p): p is PeerSkipped => 'reason' in p).map((p) => `; ${p.name} not run: ${p.reason}`).join('');
    const first = ran[0];
    out.push({
      title: `Beside cAdvisor: the same containerd${first ? ` (${first.containers} containers in ${first.pods} pods)` : ''}, one after the other, each at a 10 s interval and scraped every 30 s as Prometheus does; CPU over ${first?.idle.seconds ?? '–'} s after a minute of settling; containerd and shims with neither watching: ${r.runtimeAloneMillicores?.toFixed(1) ?? '–'} millicores${skipped}`,
      headers: ['process', 'RSS warm MiB', 'peak MiB', 'CPU millicores', 'containerd + shims millicores', '/metrics KiB', '/metrics samples'],
      rows: ran.map((p) => [p.name, p.rssWarmBytes / MiB, p.rssPeakBytes / MiB, p.idle.millicores, p.runtimeMillicores, p.metricsBytes / KiB, p.metricsSamples]),
    });
  }
  out.push({
    title: 'Targets',
    headers: ['target', 'limit', 'measured', 'verdict'],
    rows: checkTargets(r).map((t) => [t.target, t.limit, t.measured, t.verdict]),
  });
  return out;
}

export function textReport(r: Results): string {
  return sections(r).map((s) => `${s.title}\n${table(s.headers, s.rows)}`).join('\n\n');
}

export function markdownReport(r: Results): string {
  return sections(r).map((s) => `**${s.title}**\n\n${markdown(s.headers, s.rows)}`).join('\n\n');
}
