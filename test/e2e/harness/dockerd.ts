// A private dockerd (Debian's docker.io) for end-to-end tests, on a private
// containerd from ./containerd.ts. Left to itself, dockerd 20.10 would use a
// system containerd whenever /run/containerd/containerd.sock exists, and
// start its own otherwise; naming ours with --containerd makes the test the
// same on every machine. Everything dockerd writes lives in one temp dir:
// data root, exec root, pid file, API socket, its config file and trust key,
// and the CLI's config. No bridge and no iptables: it cannot reach or change
// the host's network. stop() removes every container, ends the daemon by
// PID, unmounts what is under the dir, deletes it, stops the containerd, and
// fails if anything is left.
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isRunning, startContainerd, type Containerd } from './containerd.js';
import { spawnDaemon, terminate } from './daemon.js';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** dockerd creates this plugin-socket dir whatever its exec root is. */
const PLUGIN_DIR = '/run/docker/plugins';

export interface StartDockerdOptions {
  /** How long to wait for the API to answer; default 30 s. */
  readyTimeoutMs?: number;
}

export interface Dockerd {
  readonly dir: string;
  /** Absolute path of the Engine API socket. */
  readonly socket: string;
  /** `unix://` + socket, for `docker -H` and `--docker-endpoint`. */
  readonly endpoint: string;
  /** --data-root: overlay2 layers and json-file logs live under it. */
  readonly dataRoot: string;
  /** PID of the dockerd process. */
  readonly pid: number;
  /** dockerd's own stdout/stderr. */
  readonly logFile: string;
  /** Runs the docker CLI against this daemon; resolves with stdout, rejects naming the command and stderr. */
  docker(args: readonly string[]): Promise<string>;
  /** dockerd, its containerd, the shims and the containers' processes, right now. */
  processes(): Promise<number[]>;
  /** Removes all containers, stops dockerd and its containerd, unmounts and deletes their dirs. Idempotent. */
  stop(): Promise<void>;
}

export async function startDockerd(opts: StartDockerdOptions = {}): Promise<Dockerd> {
  const containerd = await startContainerd();
  let daemon: Daemon | undefined;
  try {
    daemon = new Daemon(await mkdtemp(join(tmpdir(), 'crie2e-dk-')), containerd);
    await daemon.start(opts.readyTimeoutMs ?? 30_000);
    return daemon;
  } catch (err) {
    const cleanup = daemon ? daemon.stop() : containerd.stop();
    await cleanup.catch((stopErr: Error) => process.emitWarning(`e2e dockerd: cleanup after a failed start: ${stopErr.message}`));
    throw err;
  }
}

class Daemon implements Dockerd {
  readonly socket: string;
  readonly endpoint: string;
  readonly dataRoot: string;
  readonly logFile: string;
  private readonly execRoot: string;
  private readonly configFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<string> = Promise.resolve('not started');
  private readonly pluginDirWasThere = existsSync(PLUGIN_DIR);
  private stopping: Promise<void> | undefined;

  constructor(readonly dir: string, private readonly containerd: Containerd) {
    this.socket = join(dir, 'docker.sock');
    this.endpoint = `unix://${this.socket}`;
    this.dataRoot = join(dir, 'data');
    this.execRoot = join(dir, 'exec');
    this.logFile = join(dir, 'dockerd.log');
    this.configFile = join(dir, 'daemon.json');
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  async start(readyTimeoutMs: number): Promise<void> {
    // An explicit config file keeps /etc/docker/daemon.json out; the key path keeps dockerd from creating /etc/docker/key.json.
    await writeFile(this.configFile, JSON.stringify({ 'deprecated-key-path': join(this.dir, 'key.json') }));
    await this.spawnDaemon();
    await this.waitReady(readyTimeoutMs);
  }

  async docker(args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await execFileAsync('docker', ['-H', this.endpoint, ...args], {
        // The CLI would otherwise write ~/.docker.
        env: { ...process.env, DOCKER_CONFIG: join(this.dir, 'cli') },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`docker ${args.join(' ')} (daemon ${this.endpoint}) failed: ${e.stderr?.trim() || e.message}`);
    }
  }

  private async spawnDaemon(): Promise<void> {
    ({ child: this.child, exited: this.exited } = await spawnDaemon('dockerd', [
      '--config-file', this.configFile,
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', join(this.dir, 'docker.pid'),
      '-H', this.endpoint,
      '--containerd', this.containerd.socket,
      // No bridge, no NAT, no forwarding: containers run with --network none and the host's network stays as it was.
      '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false',
      // The tests assert overlay paths, so do not let dockerd pick another driver.
      '--storage-driver', 'overlay2',
    ], this.logFile));
  }


  /** Polls `docker version` until the daemon answers; fails at once if it exits. */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: string | undefined;
    void this.exited.then((how) => { exited = how; });
    for (;;) {
      const problem = await this.docker(['version', '--format', '{{.Server.Version}}']).then(() => undefined, (err: Error) => err.message);
      if (problem === undefined) return;
      if (exited !== undefined) throw await this.startError(`dockerd exited (${exited})`);
      if (Date.now() > deadline) throw await this.startError(`not ready after ${timeoutMs} ms: ${problem}`);
      await sleep(200);
    }
  }

  private async startError(reason: string): Promise<Error> {
    const log = await readFile(this.logFile, 'utf8').catch(() => '');
    return new Error(`dockerd in ${this.dir}: ${reason}\n--- ${this.logFile} (tail) ---\n${log.split('\n').slice(-40).join('\n')}`);
  }

  async processes(): Promise<number[]> {
    const own = this.running() && this.child?.pid !== undefined ? [this.child.pid] : [];
    return [...own, ...(await this.containerd.processes())];
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    const problems: string[] = [];
    const ours = await this.processes();
    if (this.running()) await this.removeAllContainers(problems);
    await this.stopDaemon();
    await this.deleteLeftoverContainers(problems);
    await this.unmountAll(problems);
    await rm(this.dir, { recursive: true, force: true }).catch((err: Error) => problems.push(`rm -rf ${this.dir}: ${err.message}`));
    if (!this.pluginDirWasThere) await rmdir(PLUGIN_DIR).then(() => rmdir('/run/docker')).catch(() => undefined);
    // Kills our shims and what is below them by PID, removes their sockets, unmounts and deletes its own dir.
    await this.containerd.stop().catch((err: Error) => problems.push(err.message));
    const left = ours.filter(isRunning);
    if (left.length > 0) problems.push(`processes still running: ${left.join(', ')}`);
    if (problems.length > 0) throw new Error(`stopping dockerd in ${this.dir}:\n  ${problems.join('\n  ')}`);
  }

  /** Through the API, so dockerd itself stops the tasks, unmounts their rootfs and removes their cgroups. */
  private async removeAllContainers(problems: string[]): Promise<void> {
    try {
      const ids = (await this.docker(['ps', '-aq', '--no-trunc'])).split('\n').filter(Boolean);
      if (ids.length > 0) await this.docker(['rm', '--force', '--volumes', ...ids]);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }

  /** SIGTERM by PID; SIGKILL after 15 s. */
  private async stopDaemon(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running()) return;
    await terminate(child, this.exited, 15_000);
  }

  private running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * After a daemon that hung or crashed: force-delete what runc still runs
   * under dockerd's runc root (that kills the processes and removes their
   * cgroups); the containerd harness then ends the shims.
   */
  private async deleteLeftoverContainers(problems: string[]): Promise<void> {
    const runcRoot = join(this.execRoot, 'runtime-runc', 'moby');
    if (!existsSync(runcRoot)) return;
    const { stdout } = await execFileAsync('runc', ['--root', runcRoot, 'list', '-q']).catch(() => ({ stdout: '' }));
    for (const id of stdout.split('\n').filter(Boolean)) {
      await execFileAsync('runc', ['--root', runcRoot, 'delete', '--force', id])
        .catch((err: Error) => problems.push(`runc delete ${id}: ${err.message}`));
    }
  }

  /** Unmounts everything under our dir (overlay rootfs, netns, the data-root bind), deepest first. */
  private async unmountAll(problems: string[]): Promise<void> {
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((p): p is string => p !== undefined)
      .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter((p) => p === this.dir || p.startsWith(this.dir + '/'))
      .sort((a, b) => b.split('/').length - a.split('/').length);
    for (const point of mounts) {
      await execFileAsync('umount', [point]).catch(() =>
        execFileAsync('umount', ['--lazy', point]).catch((err: Error) => problems.push(`umount ${point}: ${err.message}`)));
    }
  }
}
