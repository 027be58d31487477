// The chart's alerting rules and Grafana dashboard as data the tests can
// evaluate: rule groups extracted from the rendered PrometheusRule, every
// panel query of the dashboard, Grafana's variables substituted, and the
// vector selectors inside a PromQL expression.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_DIR, findObject, helmTemplate } from './render.js';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** spec.groups of the chart's PrometheusRule: what a rules file holds under `groups`. */
export async function chartRuleGroups(set: readonly string[] = []): Promise<RuleGroup[]> {
  const objects = await helmTemplate({ set: ['prometheusRule.enabled=true', ...set] });
  const rule = findObject<{ spec: { groups: RuleGroup[] } }>(objects, 'PrometheusRule');
  return rule.spec.groups;
}

export interface Target {
  refId: string;
  expr: string;
  instant?: boolean;
  format?: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  definition?: string;
}

export interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export const DASHBOARD_FILE = join(CHART_DIR, 'dashboards', 'cri-exporter-overview.json');

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

/** Every query of every panel, rows' nested panels included. */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })));
}

/** Grafana's substitution, for one value per variable, and its interval macros. */
export function substitute(expr: string, values: Readonly<Record<string, string>>, rateInterval: string): string {
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$__interval', rateInterval)
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (_whole, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b) as string;
      const value = values[name];
      if (value === undefined) throw new Error(`no test value for variable $${name} in ${expr}`);
      return value;
    });
}

/** `label_values(<selector>, <label>)` of a query variable, or undefined for other kinds. */
export function labelValuesQuery(v: Variable): { selector: string; label: string } | undefined {
  const q = typeof v.query === 'string' ? v.query : v.query?.query;
  const m = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(q ?? '');
  return m ? { selector: m[1] as string, label: m[2] as string } : undefined;
}

/**
 * The `name{matchers}` vector selectors of an expression, each usable as a
 * query of its own. A bare metric name is not found: every selector of this
 * project's queries carries a job matcher (dashboard.test.ts checks it).
 */
export function vectorSelectors(expr: string): string[] {
  const found = new Set<string>();
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) found.add(`${m[1]}{${m[2]}}`);
  return [...found];
}
