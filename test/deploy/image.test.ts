// The image's final stage, replayed without an engine (image-replay.ts) and
// run as the image's user: once with the demo runtime, and once the way the
// DaemonSet runs it — uid 65532 with supplementary group 0 — against a real
// containerd whose socket is root:root 0660, compared with a root agent.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseSamples, waitUntil } from '../e2e/harness/agent.js';
import { startContainerd, type Containerd } from '../e2e/harness/containerd.js';
import { connectRuntime, runPod, type RuntimeClient } from '../e2e/harness/pods.js';
import { e2eSkip, e2eSkipFor } from '../e2e/harness/preconditions.js';
import { debianPackageOf, envOf } from './dockerfile.js';
import { asUser, finalStage, imageUser, replayImage, startImage, type Identity, type ReplayedImage } from './image-replay.js';
import { DEPLOY_DIR, PACKAGE_VERSION, REPO } from './render.js';

const execFileAsync = promisify(execFile);
const VERSION_RE = PACKAGE_VERSION.replaceAll('.', '\\.');

let dir: string | undefined;
let replay: Promise<ReplayedImage> | undefined;
/** One replay (npm ci and a compile) shared by both suites. */
const replayed = (): Promise<ReplayedImage> => (replay ??= (async () => {
  dir = await mkdtemp(join(tmpdir(), 'cri-exporter-image-'));
  return replayImage(dir);
})());

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const imageIdentity = (): Identity => ({ ...imageUser(), groups: [] });

describe('the final stage, replayed without an engine', { skip: e2eSkip('image final stage', ['npm', 'setpriv']) }, () => {
  let image: ReplayedImage;
  before(async () => {
    image = await replayed();
  });

  it('holds production dependencies only', async () => {
    const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const installed = await topLevelModules(join(image.app, 'node_modules'));
    assert.ok(installed.length > 0);
    assert.deepEqual(installed.filter((name) => lock.packages[`node_modules/${name}`]?.dev === true), [], 'no package the lockfile marks dev-only');
    for (const name of ['typescript', 'tsx', 'kubernetes-models']) assert.ok(!installed.includes(name), `${name} is not in the image`);
  });

  it('prints its version as the image\'s user', async () => {
    const [bin, args] = asUser(imageIdentity(), [...image.entrypoint, 'version']);
    const { stdout } = await execFileAsync(bin, args, { cwd: image.app, env: { ...process.env, ...image.env } });
    assert.match(stdout, new RegExp(`^cri-exporter ${VERSION_RE} `));
  });

  it('serves /healthz, /readyz and /metrics (demo runtime) as the image\'s user', async () => {
    const agent = await startImage(image, imageIdentity(), ['--demo', '--poll-interval', '500ms']);
    try {
      await waitUntil(async () => (await fetch(`${agent.url}/readyz`)).ok, 30_000, () => `not ready:\n${agent.output()}`);
      const metrics = await (await fetch(`${agent.url}/metrics`)).text();
      assert.match(metrics, /^container_cpu_usage_seconds_total\{/m);
      assert.match(metrics, new RegExp(`^cri_exporter_build_info\\{version="${VERSION_RE}"`, 'm'));
    } finally {
      await agent.stop();
    }
  });
});

/** The library the image preloads (its ENV LD_PRELOAD), when this machine's loader cannot find it. */
function preloadMissing(): string | undefined {
  const lib = envOf(finalStage).LD_PRELOAD;
  if (lib === undefined) return undefined;
  const known = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '';
  return known.includes(lib) ? undefined : `${lib} (the allocator the image preloads; Debian package ${debianPackageOf(lib) ?? '?'}) is not installed`;
}

describe('the replayed image on its allocator', { skip: e2eSkip('image final stage', ['npm', 'setpriv']) || e2eSkipFor('image allocator', preloadMissing()) }, () => {
  // The image installs it (Dockerfile); here the machine has the same package.
  it('runs on the allocator the image preloads', async () => {
    const image = await replayed();
    const lib = image.env.LD_PRELOAD;
    assert.ok(lib, 'the image sets LD_PRELOAD');
    const agent = await startImage(image, imageIdentity(), ['--demo', '--poll-interval', '1h']);
    try {
      const maps = await readFile(`/proc/${agent.pid}/maps`, 'utf8');
      assert.ok(maps.includes(`/${lib}`), `${lib} is not mapped into the agent; output:\n${agent.output()}`);
      assert.doesNotMatch(agent.output(), /LD_PRELOAD|ld\.so/, 'the loader said nothing about the preload');
    } finally {
      await agent.stop();
    }
  });
});

/** The pod identity deploy/ gives the agent. */
function daemonSetIdentity(): Identity {
  const ds = parse(readFileSync(join(DEPLOY_DIR, 'base', 'daemonset.yaml'), 'utf8')) as {
    spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number; supplementalGroups?: number[] } } } };
  };
  const sc = ds.spec.template.spec.securityContext;
  return { uid: sc.runAsUser, gid: sc.runAsGroup, groups: sc.supplementalGroups ?? [] };
}

const POD = 'web';
const families = (text: string): string[] =>
  [...new Set(text.split('\n').filter((l) => l.includes(`pod="${POD}"`)).map((l) => l.slice(0, l.indexOf('{'))))].sort();

describe('the replayed image as the DaemonSet runs it (uid 65532, group 0) on a real containerd', {
  skip: e2eSkip('image on containerd', ['npm', 'setpriv', 'containerd', 'runc', 'ctr']),
}, () => {
  let image: ReplayedImage;
  let cd: Containerd;
  let cri: RuntimeClient;
  const who = daemonSetIdentity();

  before(async () => {
    image = await replayed();
    cd = await startContainerd({ cniBridge: true });
    // Like /run/containerd on a node: others may pass through, not list.
    await chmod(cd.dir, 0o711);
    cri = connectRuntime(cd.endpoint);
    await runPod(cri, {
      name: POD, namespace: 'image', uid: '00000000-0000-4000-a000-00000000e001', logDir: cd.logDir, hostNetwork: false,
      containers: [{
        name: 'app', command: ['sh', '-c', 'while true; do echo tick; dd if=/dev/zero of=/tmp/f bs=4k count=16 2>/dev/null; sleep 1; done'],
        resources: { memoryLimitInBytes: 64 * 1024 * 1024, cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 512 },
      }],
    });
  });

  after(async () => {
    cri?.close();
    await cd?.stop();
  });

  it('runs as the image\'s user with the socket\'s group, as deploy/ says', () => {
    assert.deepEqual({ uid: who.uid, gid: who.gid }, imageUser());
    assert.deepEqual(who.groups, [0]);
  });

  it('meets a socket that is root:root 0660, as containerd makes it', async () => {
    const s = await stat(cd.socket);
    assert.ok(s.isSocket());
    assert.equal(s.mode & 0o777, 0o660);
    assert.deepEqual([s.uid, s.gid], [0, 0]);
  });

  it('cannot reach the runtime without group 0: the group is what grants access', async () => {
    const agent = await startImage(image, { ...who, groups: [] }, ['--runtime-endpoint', cd.endpoint, '--poll-interval', '500ms']);
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      const res = await fetch(`${agent.url}/readyz`);
      assert.equal(res.status, 503, 'not ready');
      assert.match(await res.text(), /EACCES|permission denied|PERMISSION/i);
    } finally {
      await agent.stop();
    }
  });

  it('sees as much as a root agent does: containers, cgroups, pod network, writable layers, no failed part', async () => {
    const read = async (identity: Identity): Promise<string> => {
      const agent = await startImage(image, identity, ['--runtime-endpoint', cd.endpoint, '--poll-interval', '500ms', '--host-proc', '/proc', '--host-cgroup-root', '/sys/fs/cgroup']);
      try {
        await waitUntil(async () => (await fetch(`${agent.url}/readyz`)).ok, 30_000, () => `not ready:\n${agent.output()}`);
        // A few polls, so rates and lazily read parts are in.
        await new Promise((r) => setTimeout(r, 3_000));
        return await (await fetch(`${agent.url}/metrics`)).text();
      } finally {
        await agent.stop();
      }
    };
    const asDaemonSet = await read(who);
    const asRoot = await read({ uid: 0, gid: 0, groups: [] });
    assert.deepEqual(families(asDaemonSet), families(asRoot), 'the same families for the test pod');
    for (const f of ['container_cpu_usage_seconds_total', 'container_memory_cache', 'container_spec_memory_limit_bytes', 'container_network_receive_bytes_total']) {
      assert.ok(families(asDaemonSet).includes(f), `${f} for the test pod`);
    }
    const info = parseSamples(asDaemonSet, 'cri_container_info').find((s) => s.labels.pod === POD);
    assert.notEqual(info?.labels.writable_layer ?? '', '', 'writable layer found');
    assert.match(info?.labels.log_path ?? '', /\/app\/0\.log$/);
    assert.deepEqual(parseSamples(asDaemonSet, 'cri_exporter_poll_errors_total'), [], 'no part of the poll failed');
  });
});

async function topLevelModules(modules: string): Promise<string[]> {
  const names: string[] = [];
  for (const e of await readdir(modules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    if (e.name.startsWith('@')) {
      for (const s of await readdir(join(modules, e.name))) names.push(`${e.name}/${s}`);
    } else {
      names.push(e.name);
    }
  }
  return names;
}
