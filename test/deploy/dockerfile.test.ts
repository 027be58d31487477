// The container image recipe. No engine can build images here, so the
// Dockerfile is read and its claims asserted, and hadolint lints it;
// image.test.ts replays its final stage and runs it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { e2eSkip } from '../e2e/harness/preconditions.js';
import { debianPackageOf, envOf, execForm, isInContext, parseCopy, runCommands, type Instruction, type Stage } from './dockerfile.js';
import { dockerfile as df, finalStage, npmInstalls, ofKind, stageNamed } from './image-replay.js';
import { REPO, run } from './render.js';

const DOCKERIGNORE = readFileSync(join(REPO, '.dockerignore'), 'utf8');
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  engines: { node: string };
};

describe('Dockerfile', () => {
  it('is multi-stage, every stage on one pinned Node.js LTS slim image', () => {
    assert.ok(df.stages.length >= 2, 'multi-stage');
    const images = df.stages.filter((s) => !df.stages.some((o) => o.name === s.from));
    assert.deepEqual(new Set(images.map((s) => s.from)).size, 1, 'one base image for every stage');
    const image = (images[0] as Stage).from;
    const m = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim(@sha256:[a-f0-9]{64})?$/.exec(image);
    assert.ok(m, `base pinned to a full Node.js version tag of a slim Debian image: ${image}`);
    const major = Number(m[1]);
    assert.equal(major % 2, 0, 'an even major: an LTS line');
    assert.ok(major >= Number(/(\d+)/.exec(PKG.engines.node)?.[1]), `Node.js ${major} satisfies engines ${PKG.engines.node}`);
  });

  it('builds with the dev dependencies in its own stage: npm ci, then npm run build', () => {
    const build = stageNamed('build');
    const commands = ofKind(build, 'RUN').flatMap(runCommands);
    const ci = commands.findIndex((c) => /^npm ci\b/.test(c) && !c.includes('--omit=dev'));
    const compile = commands.indexOf('npm run build');
    assert.ok(ci >= 0 && compile > ci, `build stage runs npm ci (dev dependencies included) before npm run build: ${commands.join(' | ')}`);
  });

  it('gives the final stage production dependencies only, installed by npm ci --omit=dev', () => {
    assert.deepEqual(npmInstalls(finalStage), [], 'nothing is installed in the final stage itself');
    const copies = ofKind(finalStage, 'COPY').map(parseCopy);
    const modules = copies.filter((c) => c.sources.some((s) => s.endsWith('node_modules')));
    assert.equal(modules.length, 1, 'node_modules comes from exactly one COPY');
    const from = stageNamed(modules[0]?.from ?? '');
    const installs = npmInstalls(from);
    assert.ok(installs.length > 0 && installs.every((c) => /^npm ci\b/.test(c) && c.includes('--omit=dev')),
      `stage ${from.name} installs with npm ci --omit=dev only: ${installs.join(' | ')}`);
    const fromBuild = copies.filter((c) => c.from === 'build');
    assert.deepEqual(fromBuild.flatMap((c) => c.sources), ['/src/dist/src'], 'only the compiled program comes from the build stage');
  });

  it('copies what the program reads at run time: the compiled program, package.json and proto/', () => {
    const copies = ofKind(finalStage, 'COPY').map(parseCopy);
    const fromContext = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources);
    assert.ok(fromContext.includes('package.json'), 'package.json (the version the program reports)');
    assert.ok(fromContext.includes('proto'), 'proto/ (the CRI API loaded at run time)');
  });

  it('runs as a numeric non-root user', () => {
    const users = ofKind(finalStage, 'USER');
    assert.ok(users.length > 0, 'the final stage sets USER');
    const last = (users[users.length - 1] as Instruction).args;
    const m = /^(\d+)(?::(\d+))?$/.exec(last);
    assert.ok(m, `USER is numeric (Kubernetes can only verify runAsNonRoot for a numeric user): ${last}`);
    assert.notEqual(Number(m[1]), 0, 'not root');
  });

  it('starts the program that package.json names as its bin', () => {
    const entry = ofKind(finalStage, 'ENTRYPOINT');
    assert.equal(entry.length, 1);
    const argv = execForm((entry[0] as Instruction).args) ?? [];
    assert.equal(argv[0], 'node');
    assert.equal(argv[argv.length - 1], PKG.bin['cri-exporter']);
    for (const flag of argv.slice(1, -1)) assert.match(flag, /^--[a-z-]+(=\S+)?$/, 'only Node flags between node and the program');
    assert.deepEqual(ofKind(finalStage, 'CMD'), [], 'no CMD: arguments come from the pod spec');
  });

  it('has no HEALTHCHECK: Kubernetes probes /healthz and /readyz', () => {
    assert.deepEqual(df.all.filter((i) => i.keyword === 'HEALTHCHECK'), []);
  });

  it('preloads an allocator that the final stage installs from Debian', () => {
    const env = envOf(finalStage);
    const lib = env.LD_PRELOAD ?? '';
    const pkg = debianPackageOf(lib);
    assert.ok(pkg, `LD_PRELOAD names a library by its soname, found on every architecture's search path: ${lib}`);
    const installs = ofKind(finalStage, 'RUN').flatMap(runCommands).filter((c) => /^apt-get install\b/.test(c));
    assert.ok(installs.some((c) => c.split(/\s+/).includes(pkg)), `the final stage installs ${pkg}: ${installs.join(' | ')}`);
    assert.ok(installs.every((c) => c.includes('--no-install-recommends')), 'nothing but the library');
    assert.ok(ofKind(finalStage, 'RUN').some((i) => i.args.includes('rm -rf /var/lib/apt/lists/*')), 'no package lists left in the image');
    // jemalloc's background thread aborts any process of the image that changes its user (setpriv, su).
    assert.doesNotMatch(env.MALLOC_CONF ?? '', /background_thread:true/, 'no background thread');
    assert.match(env.MALLOC_CONF ?? '', /\bdirty_decay_ms:\d+\b/, 'freed pages go back to the kernel after a set time');
  });

  it('exposes the default listen port', () => {
    assert.deepEqual(ofKind(finalStage, 'EXPOSE').map((i) => i.args), ['9310']);
  });

  it('.dockerignore keeps every COPY source and leaves out dependencies, build output, tests and git', () => {
    const sources = df.stages.flatMap((s) => ofKind(s, 'COPY').map(parseCopy)).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    for (const s of sources) assert.ok(isInContext(s, DOCKERIGNORE), `${s} is in the build context`);
    assert.ok(isInContext('src/main.ts', DOCKERIGNORE) && isInContext('proto/cri/api.proto', DOCKERIGNORE));
    for (const p of ['node_modules', 'node_modules/fastify/package.json', 'dist/src/main.js', 'test/deploy/dockerfile.test.ts', '.git/HEAD', 'helm', 'deploy']) {
      assert.ok(!isInContext(p, DOCKERIGNORE), `${p} stays out of the build context`);
    }
  });
});

describe('hadolint', { skip: e2eSkip('hadolint', ['hadolint']) }, () => {
  it('finds nothing to improve in the Dockerfile', async () => {
    const r = await run('hadolint', ['--no-color', 'Dockerfile']);
    assert.equal(r.code, 0, `hadolint findings:\n${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
  });
});
