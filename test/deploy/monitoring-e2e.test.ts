// The chart's alert expressions and dashboard queries, evaluated by a real
// Prometheus that scrapes the real agent polling a real containerd. The
// scrape config is built from the chart's own ServiceMonitor (honorLabels,
// the node relabeling, the job name), so the labels the queries select on
// are the ones a cluster would have.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAgent, type Agent } from '../e2e/harness/agent.js';
import { startContainerd, type Containerd } from '../e2e/harness/containerd.js';
import { connectRuntime, runPod, type RuntimeClient } from '../e2e/harness/pods.js';
import { e2eSkip } from '../e2e/harness/preconditions.js';
import { startPrometheus, type Prometheus, type Sample } from '../e2e/harness/prometheus.js';
import {
  chartRuleGroups, labelValuesQuery, loadDashboard, panelQueries, substitute, vectorSelectors, type AlertRule,
} from './monitoring.js';
import { findObject, helmTemplate } from './render.js';

const NODE = 'e2e-node';
const JOB = 'cri-exporter';
const NAMESPACE = 'dash';
const POD = 'web';
const VARIABLES = { datasource: 'prometheus', job: JOB, node: NODE, namespace: NAMESPACE, pod: POD };
const RATE_INTERVAL = '30s';

/**
 * Panels whose families the agent does not serve yet, each with the reason.
 * Every other panel query must return data.
 */
const PENDING_PANELS: Readonly<Record<string, string>> = {};

/** Alerts whose expression must be false on the healthy node of this test. */
const ALERTS_QUIET_WHEN_HEALTHY = [
  'CriExporterDown', 'CriExporterAbsent', 'CriExporterPollFailing', 'CriRuntimeNotReady',
  'CriContainerMemoryNearLimit', 'CriContainerRestartingOften', 'CriContainerWritableLayerGrowing',
];

interface MonitorEndpoint {
  path: string;
  scheme?: string;
  honorLabels?: boolean;
  relabelings?: { sourceLabels?: string[]; targetLabel?: string; action?: string; regex?: string; replacement?: string }[];
}

/** The ServiceMonitor's endpoint as a Prometheus scrape config for a static target on node NODE. */
function scrapeConfig(ep: MonitorEndpoint, target: string): object {
  return {
    job_name: JOB, // the operator sets job from the Service's app.kubernetes.io/name label: cri-exporter
    scrape_interval: '1s',
    metrics_path: ep.path,
    scheme: ep.scheme ?? 'http',
    honor_labels: ep.honorLabels ?? false,
    // Kubernetes service discovery would attach this meta label; a static target carries it instead.
    static_configs: [{ targets: [target], labels: { __meta_kubernetes_pod_node_name: NODE } }],
    relabel_configs: (ep.relabelings ?? []).map((r) => ({
      action: r.action ?? 'replace',
      ...(r.sourceLabels ? { source_labels: r.sourceLabels } : {}),
      ...(r.targetLabel ? { target_label: r.targetLabel } : {}),
      ...(r.regex ? { regex: r.regex } : {}),
      ...(r.replacement ? { replacement: r.replacement } : {}),
    })),
    // No bearer token: outside a cluster the agent runs with --auth=none.
  };
}

const skip = e2eSkip('alerts and dashboard on a real Prometheus', ['containerd', 'runc', 'ctr', 'prometheus', 'helm']);

describe('alert expressions and dashboard queries on a real Prometheus scraping the agent on a real containerd', { skip }, () => {
  let cd: Containerd;
  let cri: RuntimeClient;
  let agent: Agent;
  let prom: Prometheus;
  let alerts: AlertRule[];

  const nonEmpty = (expr: string, what: string, timeoutMs = 30_000): Promise<Sample[]> =>
    prom.waitFor(async () => {
      const r = await prom.query(expr);
      return r.length > 0 ? r : undefined;
    }, timeoutMs, what);

  before(async () => {
    alerts = (await chartRuleGroups()).flatMap((g) => g.rules);
    const monitor = findObject<{ spec: { endpoints: MonitorEndpoint[] } }>(
      await helmTemplate({ set: ['prometheus.monitor.enabled=true'] }), 'ServiceMonitor');

    cd = await startContainerd({ cniBridge: true });
    cri = connectRuntime(cd.endpoint);
    await runPod(cri, {
      name: POD, namespace: NAMESPACE, uid: '00000000-0000-4000-a000-00000000d001', logDir: cd.logDir, hostNetwork: false,
      containers: [{
        name: 'app',
        // Busy enough to use CPU, get throttled and write into its writable
        // layer. Every 8th turn it also reads and writes the disk past the
        // page cache (O_DIRECT), so that the "Disk I/O" panels have data
        // whatever the machine's cache holds: buffered writes reach the disk
        // from the kernel's flusher threads, which cgroup v1 charges to the
        // root cgroup, and only once dirty pages are 30 s old.
        command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; dd if=/dev/zero of=/tmp/grow bs=4k count=$((i % 64 + 1)) 2>/dev/null; '
          + 'if [ $((i % 8)) -eq 0 ]; then dd if=/dev/zero of=/tmp/io bs=4k count=16 oflag=direct 2>/dev/null; dd if=/tmp/io of=/dev/null bs=4k iflag=direct 2>/dev/null; fi; done'],
        resources: { memoryLimitInBytes: 64 * 1024 * 1024, cpuQuota: 20_000, cpuPeriod: 100_000, cpuShares: 256 },
      }],
    });
    await runPod(cri, {
      name: 'idle', namespace: NAMESPACE, uid: '00000000-0000-4000-a000-00000000d002', logDir: cd.logDir,
      containers: [{ name: 'sleeper', command: ['sleep', '3600'] }],
    });
    agent = await startAgent(['--runtime-endpoint', cd.endpoint, '--poll-interval', '500ms', '--node-name', NODE]);
    prom = await startPrometheus({ scrapeConfigs: [scrapeConfig(monitor.spec.endpoints[0] as MonitorEndpoint, agent.url.replace('http://', ''))] });
    await nonEmpty(`container_cpu_usage_seconds_total{job="${JOB}", pod="${POD}"}`, 'the test pod\'s CPU series', 60_000);

    // Runtime outages: polls fail while it is down, so the poll error
    // counter exists (it has no series on a node that never had an error)
    // and CriExporterPollErrors' selector and the "Poll errors" panel have
    // data. Down for 4 poll intervals each time: a bare restart can be over
    // between two polls, and ten of them in a row were once.
    for (let i = 0; i < 5 && !/^cri_exporter_poll_errors_total\{/m.test(await agent.metrics()); i++) await cd.outage(2_000);
    try {
      await nonEmpty(`cri_exporter_poll_errors_total{job="${JOB}"}`, 'poll errors from containerd restarts', 60_000);
    } catch (err) {
      // Say whether the agent had the series and how Prometheus's scrapes of it went.
      const served = (await agent.metrics()).split('\n').filter((l) => l.startsWith('cri_exporter_poll_errors_total')).join(' | ') || '(none)';
      const scrapes = (await prom.targets()).activeTargets.map((t) => `${t.health} last ${t.lastScrape} (${t.lastScrapeDuration} s) ${t.lastError}`).join('; ');
      throw new Error(`${(err as Error).message}; the agent serves: ${served}; Prometheus's scrapes: ${scrapes}`);
    }
    await prom.waitFor(async () => (await prom.query(`cri_exporter_up{job="${JOB}"} == 1`)).length > 0 || undefined, 60_000, 'agent polling again after the restart');
    // Let rate windows fill with samples on both sides of the restart.
    await new Promise((r) => setTimeout(r, 5_000));
  });

  after(async () => {
    await prom?.stop();
    await agent?.stop();
    cri?.close();
    await cd?.stop();
  });

  it('relabels the pod\'s node name to node and keeps the agent\'s own labels (honorLabels)', async () => {
    const up = await prom.query(`cri_exporter_up{job="${JOB}"}`);
    assert.deepEqual(up.map((s) => s.metric.node), [NODE], 'node label from __meta_kubernetes_pod_node_name');
    const cpu = await prom.query(`container_cpu_usage_seconds_total{job="${JOB}", pod="${POD}"}`);
    assert.equal(cpu[0]?.metric.container, 'app', 'container label kept, not exported_container');
    assert.equal(cpu[0]?.metric.exported_container, undefined);
  });

  it('evaluates every alert expression without error', async () => {
    assert.ok(alerts.length >= 8, `${alerts.length} alerts`);
    for (const a of alerts) await assert.doesNotReject(prom.query(a.expr), `${a.alert}: ${a.expr}`);
  });

  it('has data for every vector selector of every alert', async () => {
    for (const a of alerts) {
      for (const selector of vectorSelectors(a.expr)) {
        const r = await prom.query(`count(${selector})`);
        assert.ok(Number(r[0]?.value[1] ?? 0) > 0, `${a.alert}: no series for ${selector}`);
      }
    }
  });

  it('keeps the health and resource alerts quiet on this healthy node', async () => {
    for (const name of ALERTS_QUIET_WHEN_HEALTHY) {
      const a = alerts.find((r) => r.alert === name);
      assert.ok(a, `alert ${name} exists`);
      assert.deepEqual(await prom.query(a.expr), [], `${name} would fire: ${a.expr}`);
    }
  });

  it('resolves every dashboard variable to values that include the test\'s', async () => {
    const dashboard = loadDashboard();
    for (const v of dashboard.templating.list) {
      if (v.type === 'datasource') continue;
      const q = labelValuesQuery(v);
      assert.ok(q, `variable ${v.name} is a label_values() query`);
      const series = await prom.query(substitute(q.selector, VARIABLES, RATE_INTERVAL));
      const values = new Set(series.map((s) => s.metric[q.label]));
      const expected = VARIABLES[v.name as keyof typeof VARIABLES];
      assert.ok(values.has(expected), `$${v.name}: ${[...values].join(', ')} lacks ${expected}`);
    }
  });

  it('returns data for every dashboard panel query (pending ones listed with their reason)', async () => {
    const queries = panelQueries(loadDashboard());
    assert.ok(queries.length >= 30, `${queries.length} queries`);
    const empty: string[] = [];
    for (const q of queries) {
      const expr = substitute(q.expr, VARIABLES, RATE_INTERVAL);
      const result = await prom.query(expr);
      const pending = PENDING_PANELS[q.panel];
      if (pending !== undefined) {
        process.stderr.write(`pending panel "${q.panel}" (${q.refId}): ${pending}\n`);
        continue;
      }
      if (result.length === 0) empty.push(`"${q.panel}" ${q.refId}: ${expr}`);
    }
    assert.deepEqual(empty, [], 'panel queries without data');
    for (const title of Object.keys(PENDING_PANELS)) assert.ok(queries.some((q) => q.panel === title), `pending panel ${title} exists`);
  });
});
