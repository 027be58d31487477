// The Grafana dashboard's structure: what Grafana needs to load it, and the
// conventions its queries keep. Whether each query returns data is asserted
// against a real Prometheus in monitoring-e2e.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDashboard, panelQueries, vectorSelectors, type Panel } from './monitoring.js';

const dashboard = loadDashboard();
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const visible = panels.filter((p) => p.type !== 'row');
const variables = new Set(dashboard.templating.list.map((v) => v.name));
const MACROS = new Set(['__rate_interval', '__interval', '__range']);

function overlaps(a: Panel, b: Panel): boolean {
  const ag = a.gridPos;
  const bg = b.gridPos;
  return ag.x < bg.x + bg.w && bg.x < ag.x + ag.w && ag.y < bg.y + bg.h && bg.y < ag.y + ag.h;
}

describe('Grafana dashboard', () => {
  it('has a stable uid, a title and the variables datasource, job, node, namespace and pod', () => {
    assert.equal(dashboard.uid, 'cri-exporter-overview');
    assert.ok(dashboard.title.length > 0);
    assert.deepEqual([...variables], ['datasource', 'job', 'node', 'namespace', 'pod']);
  });

  it('shows per node, per pod and the agent\'s health, in rows', () => {
    assert.deepEqual(panels.filter((p) => p.type === 'row').map((p) => p.title), ['Node', 'Pod', 'Agent']);
    const titles = visible.map((p) => p.title);
    for (const t of ['CPU by namespace', 'Memory working set by namespace', 'Writable layers by namespace', 'Network by pod on the node', 'Container runtime',
      'CPU by container', 'Memory by container', 'Writable layer by container', 'Network by pod', 'Containers',
      'Runtime polls', 'Poll duration', 'Poll errors', 'Agent memory']) {
      assert.ok(titles.includes(t), `panel "${t}"`);
    }
  });

  it('gives every panel a unique id and title, a description and a place on the 24-column grid that no other panel takes', () => {
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'unique ids');
    assert.equal(new Set(visible.map((p) => p.title)).size, visible.length, 'unique titles');
    for (const p of panels) {
      const g = p.gridPos;
      assert.ok(g.w >= 1 && g.x >= 0 && g.x + g.w <= 24 && g.h >= 1, `${p.title} fits the grid`);
      if (p.type !== 'row') assert.ok(p.description, `${p.title} has a description`);
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) assert.ok(!overlaps(a, b), `"${a.title}" and "${b.title}" overlap`);
    }
  });

  it('queries the chosen Prometheus data source from every panel and target', () => {
    for (const p of visible) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
      assert.ok((p.targets ?? []).length > 0, `${p.title} has queries`);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${p.title}: unique refIds`);
      for (const t of p.targets ?? []) assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${datasource}' }, `${p.title} ${t.refId}`);
    }
  });

  it('uses only defined variables, and selects the agent\'s job in every selector (no mix with the kubelet\'s cAdvisor series)', () => {
    for (const q of panelQueries(dashboard)) {
      for (const m of q.expr.matchAll(/\$\{?(\w+)\}?/g)) {
        const name = m[1] as string;
        assert.ok(variables.has(name) || MACROS.has(name), `"${q.panel}" uses undefined $${name}`);
      }
      const selectors = vectorSelectors(q.expr);
      assert.ok(selectors.length > 0, `"${q.panel}" ${q.refId} has a selector`);
      for (const s of selectors) assert.match(s, /job=~"\$job"/, `"${q.panel}": ${s}`);
    }
  });
});
