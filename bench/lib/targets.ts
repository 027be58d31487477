// The issue's targets, each checked against the figures of this run.
import type { PeerRow, PeerSkipped, PollRow, ServeRow, SoakRow } from './context.js';
import { MiB } from './procstat.js';

/** PARTIAL: within the limit over a shorter run than the target asks for. */
export type Verdict = 'PASS' | 'FAIL' | 'PARTIAL' | 'n/a';

export interface TargetCheck {
  readonly target: string;
  readonly limit: string;
  readonly measured: string;
  readonly verdict: Verdict;
}

export interface Results {
  readonly polls: readonly PollRow[];
  readonly serve: readonly ServeRow[];
  readonly soak?: SoakRow;
  /** The agent and cAdvisor over the same window on the real containerd (or why cAdvisor did not run). */
  readonly peers?: readonly (PeerRow | PeerSkipped)[];
  /** containerd and its shims over the same length of time with neither watching. */
  readonly runtimeAloneMillicores?: number;
}

const SIM_SIZE = 1000;
const REAL_PODS = 110;
const POLL_INTERVAL_SECONDS = 10;

function verdict(ok: boolean | undefined): Verdict {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL';
}

function poll(r: Results, runtime: string, mode: string, pick: (p: PollRow) => boolean): PollRow | undefined {
  return r.polls.find((p) => p.runtime === runtime && p.mode === mode && pick(p));
}

function callsConstant(r: Results, runtime: string): TargetCheck {
  const rows = r.polls.filter((p) => p.runtime === runtime && p.mode === 'agent');
  const shapes = rows.map((p) => JSON.stringify(Object.entries(p.callsByMethod).sort()));
  const ok = rows.length < 2 ? undefined : new Set(shapes).size === 1;
  return {
    target: `CRI calls per poll constant in containers (${runtime})`,
    limit: 'same calls at every size',
    measured: rows.map((p) => `${p.callsPerPoll}@${p.containers}`).join(', ') || 'not run',
    verdict: verdict(ok),
  };
}

function soakVerdict(soak: SoakRow | undefined): Verdict {
  if (!soak) return 'n/a';
  const ok = Math.abs(soak.growthPercent) <= 10 && soak.rssMaxBytes <= 120 * MiB;
  if (!ok) return 'FAIL';
  return soak.cycles >= 10_000 && soak.containers >= SIM_SIZE ? 'PASS' : 'PARTIAL';
}

export function checkTargets(r: Results): TargetCheck[] {
  const agent = poll(r, 'sim', 'agent-cri', (p) => p.containers === SIM_SIZE);
  const agentHost = poll(r, 'sim', 'agent', (p) => p.containers === SIM_SIZE);
  const floor = poll(r, 'sim', 'floor', (p) => p.containers === SIM_SIZE);
  const serve = r.serve.find((s) => s.runtime === 'sim' && s.containers === SIM_SIZE);
  const scrape10 = serve?.cells.find((c) => c.path === '/metrics' && c.connections === 10);
  const scrape1 = serve?.cells.find((c) => c.path === '/metrics' && c.connections === 1);
  const floor10 = serve?.floorCells?.find((c) => c.connections === 10);
  const perSnapshot = agentHost?.render ? agentHost.render.renderMs + agentHost.render.gzipMs : undefined;
  const realAgent = poll(r, 'containerd', 'agent', (p) => p.pods === REAL_PODS);
  const realServe = r.serve.find((s) => s.runtime === 'containerd' && s.pods === REAL_PODS);
  const soak = r.soak;
  const realMillicores = realAgent ? (realAgent.cpuMs + (realAgent.exposeCpuMs ?? 0)) / POLL_INTERVAL_SECONDS : undefined;
  const withExposition = (p: PollRow | undefined) => (p === undefined ? undefined : p.cpuMs + (p.exposeCpuMs ?? 0));
  const fmt = (v: number | undefined, unit: string, digits = 1) => (v === undefined ? 'not run' : `${v.toFixed(digits)} ${unit}`);
  return [
    { target: `agent CPU per poll, CRI path, sim ${SIM_SIZE}`, limit: '≤ 20 ms', measured: fmt(agent?.cpuMs, 'ms'), verdict: verdict(agent && agent.cpuMs <= 20) },
    {
      target: `agent CPU per poll with host-stats step, sim ${SIM_SIZE}`, limit: '≤ 20 ms',
      measured: fmt(agentHost?.cpuMs, 'ms'), verdict: verdict(agentHost && agentHost.cpuMs <= 20),
    },
    {
      target: `agent CPU per poll with host stats and the /metrics render + gzip, sim ${SIM_SIZE}`, limit: '≤ 20 ms',
      measured: fmt(withExposition(agentHost), 'ms'), verdict: verdict(agentHost && (withExposition(agentHost) as number) <= 20),
    },
    {
      target: `agent wall per poll vs floor, CRI path, sim ${SIM_SIZE}`, limit: '≤ 1.2×',
      measured: agent && floor ? `${(agent.wallMs / floor.wallMs).toFixed(2)}× (${agent.wallMs.toFixed(1)} / ${floor.wallMs.toFixed(1)} ms)` : 'not run',
      verdict: verdict(agent && floor && agent.wallMs <= 1.2 * floor.wallMs),
    },
    callsConstant(r, 'sim'),
    callsConstant(r, 'containerd'),
    {
      target: `/metrics p99, 10 gzip scrapers, sim ${SIM_SIZE}`, limit: '≤ 10 ms',
      measured: `${fmt(scrape10?.p99Ms, 'ms')}${floor10 ? ` (floor, node:http sending the same bytes: ${fmt(floor10.p99Ms, 'ms')})` : ''}`,
      verdict: verdict(scrape10 && scrape10.p99Ms <= 10),
    },
    {
      target: `scrape cost paid per snapshot, not per scrape, sim ${SIM_SIZE}`, limit: 'CPU/scrape ≤ 10% of render+gzip',
      measured: scrape1 && perSnapshot !== undefined ? `${scrape1.cpuMsPerRequest.toFixed(1)} ms/scrape vs ${perSnapshot.toFixed(1)} ms/snapshot` : 'not run',
      verdict: verdict(scrape1 && perSnapshot !== undefined ? scrape1.cpuMsPerRequest <= 0.1 * perSnapshot : undefined),
    },
    { target: `agent RSS after warm-up, sim ${SIM_SIZE}`, limit: '≤ 120 MiB', measured: fmt(serve && serve.rssWarmBytes / MiB, 'MiB'), verdict: verdict(serve && serve.rssWarmBytes <= 120 * MiB) },
    {
      target: `RSS flat over churning polls, sim ${soak?.containers ?? SIM_SIZE}`, limit: '±10 %, ≤ 120 MiB, 10000 polls',
      measured: soak ? `${soak.growthPercent >= 0 ? '+' : ''}${soak.growthPercent.toFixed(1)} % over ${soak.cycles} polls, max ${(soak.rssMaxBytes / MiB).toFixed(0)} MiB` : 'not run',
      verdict: soakVerdict(soak),
    },
    {
      target: `agent CPU at 10 s interval, containerd ${REAL_PODS} pods`, limit: '≤ 10 millicores',
      measured: realMillicores === undefined ? 'not run' : `${realMillicores.toFixed(2)} m (poll + exposition)${realServe?.idle ? `, ${realServe.idle.millicores.toFixed(2)} m (process over ${realServe.idle.seconds} s, scraped every 30 s)` : ''}`,
      verdict: verdict(realMillicores === undefined ? undefined : realMillicores <= 10 && (realServe?.idle?.millicores ?? 0) <= 10),
    },
    { target: `agent RSS, containerd ${REAL_PODS} pods`, limit: '≤ 90 MiB', measured: fmt(realServe && realServe.rssWarmBytes / MiB, 'MiB'), verdict: verdict(realServe && realServe.rssWarmBytes <= 90 * MiB) },
  ];
}
