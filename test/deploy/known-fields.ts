// The schema validators accept fields they do not know (the Kubernetes
// OpenAPI schemas allow them), so a misspelt field — `readOnlyRootFileSystem`,
// `publishNotReadyAdresses` — would pass and then be dropped by the API
// server. The models' TypeScript types do know every field: each rendered
// object is written out as an object literal of its API type and compiled,
// and the compiler's excess-property check names any field the API lacks.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO, type K8sObject } from './render.js';

const execFileAsync = promisify(execFile);

/** apiVersion/kind → [module, interface]. */
const TYPES: Readonly<Record<string, readonly [string, string]>> = {
  'v1/Namespace': ['kubernetes-models/v1/Namespace', 'INamespace'],
  'v1/ServiceAccount': ['kubernetes-models/v1/ServiceAccount', 'IServiceAccount'],
  'v1/Service': ['kubernetes-models/v1/Service', 'IService'],
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'apps/v1/DaemonSet': ['kubernetes-models/apps/v1/DaemonSet', 'IDaemonSet'],
  'rbac.authorization.k8s.io/v1/ClusterRole': ['kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole', 'IClusterRole'],
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ['kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'IClusterRoleBinding'],
  'monitoring.coreos.com/v1/ServiceMonitor': ['@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor', 'IServiceMonitor'],
  'monitoring.coreos.com/v1/PodMonitor': ['@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor', 'IPodMonitor'],
  'monitoring.coreos.com/v1/PrometheusRule': ['@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule', 'IPrometheusRule'],
};

export interface Rendering {
  /** Which rendering, for the error message. */
  readonly name: string;
  readonly objects: readonly K8sObject[];
}

/** Resolves when every field of every object is known to its API type; rejects with the compiler's findings. */
export async function assertKnownFields(renderings: readonly Rendering[]): Promise<void> {
  const imports = new Map<string, string>();
  const decls: string[] = [];
  for (const [r, rendering] of renderings.entries()) {
    for (const [i, obj] of rendering.objects.entries()) {
      const key = `${obj.apiVersion}/${obj.kind}`;
      const type = TYPES[key];
      if (type === undefined) throw new Error(`${rendering.name}: ${key} has no API type known to the test`);
      const alias = `T${imports.size}`;
      if (!imports.has(key)) imports.set(key, `import type { ${type[1]} as ${alias} } from '${type[0]}';`);
      const typeAlias = /as (T\d+)/.exec(imports.get(key) as string)?.[1] as string;
      decls.push(`// ${rendering.name}: ${key} ${obj.metadata.name}\nexport const r${r}o${i}: ${typeAlias} = ${JSON.stringify(obj, null, 2)};`);
    }
  }
  const source = `${[...imports.values()].join('\n')}\n\n${decls.join('\n\n')}\n`;
  const dir = await mkdtemp(join(tmpdir(), 'cri-exporter-fields-'));
  try {
    await writeFile(join(dir, 'objects.ts'), source);
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, skipLibCheck: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler',
        baseUrl: '.',
        // The models live in the project's node_modules, not next to the generated file.
        paths: { 'kubernetes-models/*': [join(REPO, 'node_modules/kubernetes-models/*')], '@kubernetes-models/*': [join(REPO, 'node_modules/@kubernetes-models/*')] },
        typeRoots: [],
      },
      files: ['objects.ts'],
    }));
    try {
      await execFileAsync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`fields the Kubernetes API does not know:\n${explain(`${e.stdout ?? ''}${e.stderr ?? ''}`, source)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each compiler message with the object it is about and the offending line (the generated file is gone by then). */
function explain(output: string, source: string): string {
  const lines = source.split('\n');
  return output.split('\n').filter((l) => l.trim() !== '').map((msg) => {
    const m = /^objects\.ts\((\d+),\d+\): (.*)$/.exec(msg);
    if (!m) return msg;
    const at = Number(m[1]) - 1;
    const owner = lines.slice(0, at + 1).reverse().find((l) => l.startsWith('// ')) ?? '';
    return `${owner.slice(3)}: ${(lines[at] ?? '').trim()} — ${m[2]}`;
  }).join('\n');
}
