// Renders deploy/ with kustomize and the chart with helm — the real
// binaries, found on PATH (.ci/run installs pinned versions into
// $(go env GOPATH)/bin and puts that on PATH) — and parses what they print.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { findBinary } from '../e2e/harness/preconditions.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(REPO, 'helm', 'cri-exporter');
export const DEPLOY_DIR = join(REPO, 'deploy');
/** Rendering for a fixed Kubernetes version keeps results independent of how helm was built. */
export const KUBE_VERSION = '1.30.0';
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a binary from PATH; never throws for a non-zero exit, so callers can assert on failures. */
export function run(bin: string, args: readonly string[], cwd = REPO): Promise<RunResult> {
  const path = findBinary(bin);
  if (path === undefined) return Promise.reject(new Error(`${bin} is not on PATH (.ci/run installs it)`));
  return new Promise((resolve, reject) => {
    execFile(path, args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`${bin} ${args.join(' ')}: ${err.message}`));
        return;
      }
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

async function mustRun(bin: string, args: readonly string[]): Promise<string> {
  const r = await run(bin, args);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Every non-empty YAML document of a multi-document stream. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

export interface HelmOptions {
  valuesFiles?: readonly string[];
  set?: readonly string[];
  release?: string;
  namespace?: string;
}

function helmArgs(opts: HelmOptions): string[] {
  return [
    ...(opts.valuesFiles ?? []).flatMap((f) => ['-f', f]),
    ...(opts.set ?? []).flatMap((s) => ['--set', s]),
    '--kube-version', KUBE_VERSION,
  ];
}

export async function helmTemplate(opts: HelmOptions = {}): Promise<K8sObject[]> {
  const args = ['template', opts.release ?? 'cri-exporter', CHART_DIR, '--namespace', opts.namespace ?? 'monitoring', ...helmArgs(opts)];
  return parseManifests(await mustRun('helm', args));
}

/** `helm template` that is expected to fail: its exit code and output. */
export function helmTemplateRaw(opts: HelmOptions = {}): Promise<RunResult> {
  return run('helm', ['template', opts.release ?? 'cri-exporter', CHART_DIR, ...helmArgs(opts)]);
}

export function helmLint(opts: HelmOptions = {}): Promise<RunResult> {
  return run('helm', ['lint', '--strict', CHART_DIR, ...helmArgs(opts)]);
}

export async function kustomizeBuild(dir: string): Promise<K8sObject[]> {
  return parseManifests(await mustRun('kustomize', ['build', dir]));
}

export function findObject<T = K8sObject>(objects: readonly K8sObject[], kind: string, name?: string): T {
  const hits = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (hits.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }
  return hits[0] as T;
}
