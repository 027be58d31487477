// The repository's Dockerfile, read into stages, and its final stage
// replayed without an engine: the deps stage's own `npm ci` command, the
// build stage's compiler run, then the final stage's COPY instructions into
// a directory that stands for the image's filesystem. What runs from there
// is what the image would hold, started as the image's user.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, cp, mkdir } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitUntil } from '../e2e/harness/agent.js';
import { findBinary } from '../e2e/harness/preconditions.js';
import { envOf, execForm, parseCopy, parseDockerfile, runCommands, type Instruction, type Stage } from './dockerfile.js';
import { REPO } from './render.js';

const execFileAsync = promisify(execFile);

export const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
export const finalStage = dockerfile.stages[dockerfile.stages.length - 1] as Stage;

export function ofKind(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

export function stageNamed(name: string): Stage {
  const s = dockerfile.stages.find((st) => st.name === name || String(st.index) === name);
  assert.ok(s, `stage ${name} exists`);
  return s;
}

/** The stage's working directory at an instruction (or at its end). */
export function workdirAt(stage: Stage, ins?: Instruction): string {
  let dir = '/';
  for (const i of stage.instructions) {
    if (i === ins) break;
    if (i.keyword === 'WORKDIR') dir = posix.resolve(dir, i.args);
  }
  return dir;
}

/** The package-manager installs a stage runs. */
export function npmInstalls(stage: Stage): string[] {
  return ofKind(stage, 'RUN').flatMap(runCommands).filter((c) => /^(npm (ci|install|i)|yarn|pnpm)\b/.test(c));
}

/** The final stage's USER as numbers. */
export function imageUser(): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(ofKind(finalStage, 'USER').at(-1)?.args ?? '');
  assert.ok(m, 'the final stage has a numeric USER');
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

export interface ReplayedImage {
  /** The image's filesystem. */
  readonly root: string;
  /** Its WORKDIR inside root. */
  readonly app: string;
  /** ENTRYPOINT after `node`. */
  readonly entrypoint: readonly string[];
  /** The final stage's ENV settings. */
  readonly env: Readonly<Record<string, string>>;
}

/** Replays the image into `dir` (which must be readable by the image's user). */
export async function replayImage(dir: string): Promise<ReplayedImage> {
  await chmod(dir, 0o755);
  const roots: Record<string, string> = { deps: join(dir, 'deps'), build: join(dir, 'build') };
  const root = join(dir, 'image');
  await replayDepsStage(roots.deps as string);
  // The build stage's `npm run build` is tsc -p tsconfig.build.json; its output lands under <build>/dist.
  await execFileAsync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(roots.build as string, 'dist')], { cwd: REPO });
  for (const ins of ofKind(finalStage, 'COPY')) {
    const copy = parseCopy(ins);
    const destDir = join(root, relative('/', posix.resolve(workdirAt(finalStage, ins), copy.dest)));
    for (const source of copy.sources) {
      const src = copy.from === undefined ? join(REPO, source) : stagePath(copy.from, source, roots);
      const target = copy.dest.endsWith('/') ? join(destDir, posix.basename(source)) : destDir;
      await mkdir(join(target, '..'), { recursive: true });
      await cp(src, target, { recursive: true });
    }
  }
  const entry = execForm(ofKind(finalStage, 'ENTRYPOINT')[0]?.args ?? '[]') ?? [];
  assert.equal(entry[0], 'node');
  return { root, app: join(root, workdirAt(finalStage)), entrypoint: entry.slice(1), env: envOf(finalStage) };
}

/** Runs the deps stage: its context COPYs, then its npm ci command, in `into`. */
async function replayDepsStage(into: string): Promise<void> {
  const deps = stageNamed('deps');
  await mkdir(into, { recursive: true });
  for (const copy of ofKind(deps, 'COPY').map(parseCopy)) {
    assert.equal(copy.from, undefined, 'the deps stage copies from the context only');
    for (const s of copy.sources) await cp(join(REPO, s), join(into, posix.basename(s)));
  }
  const ci = npmInstalls(deps)[0];
  assert.ok(ci, 'the deps stage installs');
  await execFileAsync(findBinary('npm') as string, ci.split(' ').slice(1), { cwd: into, timeout: 300_000 });
}

/** A path in a stage's filesystem, mapped into the replayed stage's directory. */
function stagePath(stage: string, source: string, roots: Record<string, string>): string {
  const root = roots[stage];
  assert.ok(root, `stage ${stage} is replayed`);
  const workdir = workdirAt(stageNamed(stage));
  const rel = posix.relative(workdir, posix.resolve(workdir, source));
  assert.ok(!rel.startsWith('..'), `${source} lies in stage ${stage}'s WORKDIR ${workdir}`);
  return join(root, rel);
}

export interface Identity {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups; empty clears them. */
  readonly groups: readonly number[];
}

/** `setpriv` arguments that run `args` under `who`. */
export function asUser(who: Identity, args: readonly string[]): [string, string[]] {
  const groups = who.groups.length > 0 ? `--groups=${who.groups.join(',')}` : '--clear-groups';
  return [findBinary('setpriv') as string, [`--reuid=${who.uid}`, `--regid=${who.gid}`, groups, process.execPath, ...args]];
}

export interface RunningImage {
  readonly url: string;
  /** The program's process (setpriv execs it in place). */
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the replayed image's program, with the image's environment, on a free loopback port and waits for /healthz. */
export async function startImage(image: ReplayedImage, who: Identity, args: readonly string[]): Promise<RunningImage> {
  const port = await freePort();
  const [bin, argv] = asUser(who, [...image.entrypoint, ...args, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn']);
  const child: ChildProcess = spawn(bin, argv, { cwd: image.app, env: { ...process.env, ...image.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntil(async () => (await fetch(`${url}/healthz`)).ok, 30_000, () => `no /healthz; exit ${child.exitCode}; output:\n${out}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid as number, output: () => out, stop };
}
