// A private containerd for end-to-end tests: its own config, root, state,
// socket and runc root inside one temp dir, so it never touches (or is
// touched by) a containerd the machine may run, and stop() can prove that
// everything it started is gone.
import { execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { buildBusyboxImageTar, E2E_IMAGE_REF, importImage } from './image.js';
import {
  connectRuntime, criCall, removeCgroup, tearDownAllPods, type RuntimeClient, type SandboxResidue,
} from './pods.js';
import { spawnDaemon, terminate } from './daemon.js';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StartOptions {
  /**
   * Writes a CNI bridge config so pods without hostNetwork get an address on
   * an isolated bridge (no gateway, no masquerade: traffic cannot leave it).
   * Off by default; host-network pods need no CNI.
   */
  cniBridge?: boolean;
  /** How long to wait for the daemon to answer; default 30 s. */
  readyTimeoutMs?: number;
}

export interface Containerd {
  readonly dir: string;
  /** Absolute path of the containerd (and CRI) socket. */
  readonly socket: string;
  /** `unix://` + socket */
  readonly endpoint: string;
  readonly root: string;
  readonly state: string;
  /** Where pods.ts puts pod log directories. */
  readonly logDir: string;
  /** containerd's own stdout/stderr. */
  readonly logFile: string;
  readonly imageRef: string;
  /** PID of the current containerd process (changes on restart). */
  readonly pid: number;
  /** SIGTERM, then start again on the same dirs; running containers survive. */
  restart(): Promise<void>;
  /** Like restart(), but stays down for `ms` in between: long enough for a client to see the runtime gone. */
  outage(ms: number): Promise<void>;
  /** Removes all pods, stops the daemon, kills what is left of it, unmounts and deletes the dir. */
  stop(): Promise<void>;
  /** containerd, its shims and everything below them, right now. */
  processes(): Promise<number[]>;
}

/** Starts a private containerd and imports the e2e busybox image into it. */
export async function startContainerd(opts: StartOptions = {}): Promise<Containerd> {
  const dir = await mkdtemp(join(tmpdir(), 'crie2e-'));
  let instance: Instance;
  try {
    instance = new Instance(dir, opts);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  try {
    await instance.init();
  } catch (err) {
    await instance.stop().catch(() => undefined);
    throw err;
  }
  return instance;
}

/**
 * Runs `fn` against a fresh containerd and always stops it. An error from
 * `fn` wins over one from stop(), so a failing test is not reported as a
 * cleanup problem (both are kept in an AggregateError).
 */
export async function withContainerd<T>(fn: (cd: Containerd) => Promise<T>, opts: StartOptions = {}): Promise<T> {
  const cd = await startContainerd(opts);
  let result: T;
  try {
    result = await fn(cd);
  } catch (err) {
    await cd.stop().catch((stopErr: unknown) => {
      throw new AggregateError([err, stopErr], `${(err as Error).message} (and stop() failed too)`);
    });
    throw err;
  }
  await cd.stop();
  return result;
}

class Instance implements Containerd {
  readonly socket: string;
  readonly endpoint: string;
  readonly root: string;
  readonly state: string;
  readonly logDir: string;
  readonly logFile: string;
  readonly imageRef = E2E_IMAGE_REF;
  private readonly configPath: string;
  private readonly runcRoot: string;
  private readonly cniDir: string;
  private readonly bridge: string;
  private child: ChildProcess | undefined;
  /** Resolves with how the current daemon process ended. */
  private exited: Promise<string> = Promise.resolve('not started');
  private wasReady = false;
  private client: RuntimeClient | undefined;
  private stopped = false;

  constructor(readonly dir: string, private readonly opts: StartOptions) {
    this.socket = join(dir, 'c.sock');
    // sun_path holds 108 bytes including the NUL; containerd also binds `<socket>.ttrpc`.
    if (Buffer.byteLength(this.socket) + '.ttrpc'.length > 107) {
      throw new Error(`socket path too long for a unix socket: ${this.socket} (set TMPDIR to a shorter dir)`);
    }
    this.endpoint = `unix://${this.socket}`;
    this.root = join(dir, 'root');
    this.state = join(dir, 'state');
    this.logDir = join(dir, 'pods');
    this.logFile = join(dir, 'containerd.log');
    this.configPath = join(dir, 'config.toml');
    this.runcRoot = join(dir, 'runc');
    this.cniDir = join(dir, 'cni');
    // Interface names are limited to 15 bytes; the mkdtemp suffix keeps it unique.
    this.bridge = `crie2e${basename(dir).slice(-6)}`;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  async init(): Promise<void> {
    await mkdir(this.logDir, { recursive: true });
    await mkdir(this.cniDir, { recursive: true });
    if (this.opts.cniBridge) await writeFile(join(this.cniDir, '10-crie2e.conflist'), this.cniConfig());
    await writeFile(this.configPath, this.config());
    await this.spawnDaemon();
    await this.waitReady();
    const { tarPath } = await buildBusyboxImageTar(this.dir);
    await importImage(this.socket, tarPath);
  }

  private config(): string {
    const q = JSON.stringify; // TOML basic strings accept JSON escapes
    return `version = 2
root = ${q(this.root)}
state = ${q(this.state)}
# Snapshotters that cannot work here only add warnings to the log.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = ${q(this.socket)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(join(this.dir, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  # Without it the CRI plugin fails to give sandboxes an oom_score_adj below
  # containerd's own, which it may not do on this kind of machine.
  restrict_oom_score_adj = true
  sandbox_image = ${q(E2E_IMAGE_REF)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        # Keeps runc's state in our dir instead of the shared /run/containerd/runc.
        Root = ${q(this.runcRoot)}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = ${q(this.cniDir)}
`;
  }

  private cniConfig(): string {
    return JSON.stringify({
      cniVersion: '0.4.0',
      name: 'crie2e',
      plugins: [{
        type: 'bridge',
        bridge: this.bridge,
        // No gateway and no masquerade: the bridge has no host address and
        // pods get no default route, so nothing can leave the bridge.
        isGateway: false,
        ipMasq: false,
        ipam: { type: 'host-local', subnet: '10.244.77.0/24', dataDir: join(this.dir, 'cni-ipam') },
      }],
    }, null, 2);
  }

  private async spawnDaemon(): Promise<void> {
    ({ child: this.child, exited: this.exited } = await spawnDaemon('containerd', ['--config', this.configPath], this.logFile));
  }

  /** Polls until the containerd API and then the CRI plugin answer; fails early if the daemon exits. */
  private async waitReady(timeoutMs = this.opts.readyTimeoutMs ?? 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: string | undefined;
    void this.exited.then((how) => { exited = how; });
    const poll = async (what: string, probe: () => Promise<string | undefined>): Promise<void> => {
      for (;;) {
        const problem = await probe().catch((err: { stderr?: string; message: string }) => err.stderr?.trim() || err.message);
        if (problem === undefined) return;
        if (exited !== undefined) throw await this.startError(`containerd exited (${exited})`);
        if (Date.now() > deadline) throw await this.startError(`${what} not ready after ${timeoutMs} ms: ${problem}`);
        await sleep(100);
      }
    };
    await poll('containerd API', async () => {
      await execFileAsync('ctr', ['--address', this.socket, 'version'], { timeout: 5_000 });
      return undefined;
    });
    // The CRI plugin finishes initialising in the background after the socket is up.
    const client = (this.client ??= connectRuntime(this.endpoint));
    await poll('CRI', async () => {
      const res = await criCall<{ status?: { conditions?: { type: string; status: boolean }[] } }>(
        client, 'status', {}, 5_000);
      const ready = res.status?.conditions?.some((c) => c.type === 'RuntimeReady' && c.status);
      return ready ? undefined : `Status: ${JSON.stringify(res.status)}`;
    });
    this.wasReady = true;
  }

  private async startError(reason: string): Promise<Error> {
    const log = await readFile(this.logFile, 'utf8').catch(() => '');
    const tail = log.split('\n').slice(-40).join('\n');
    return new Error(`containerd (${this.configPath}): ${reason}\n--- ${this.logFile} (tail) ---\n${tail}`);
  }

  /** SIGTERM by PID; SIGKILL after 10 s. */
  private async stopDaemon(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running()) return;
    await terminate(child, this.exited, 10_000);
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`containerd in ${this.dir} was stopped; cannot restart`);
    await this.stopDaemon();
    await this.spawnDaemon();
    await this.waitReady();
  }

  async outage(ms: number): Promise<void> {
    if (this.stopped) throw new Error(`containerd in ${this.dir} was stopped; cannot start it again`);
    await this.stopDaemon();
    await sleep(ms);
    await this.spawnDaemon();
    await this.waitReady();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const problems: string[] = [];
    const ours = await this.processes();
    const residues = await this.removeAllPodsForStop();
    this.client?.close();
    this.client = undefined;
    await this.stopDaemon();
    await this.killLeftovers(problems);
    for (const r of residues) {
      if (r.cgroupParent !== undefined) await removeCgroup(r.cgroupParent).catch(() => undefined);
      if (r.netnsPath !== undefined) await removeNetns(r.netnsPath, problems);
    }
    await this.unmountAll(problems);
    if (this.opts.cniBridge) {
      await execFileAsync('ip', ['link', 'delete', this.bridge]).catch(() => undefined); // absent if no pod used it
    }
    await rm(this.dir, { recursive: true, force: true }).catch((err: Error) => problems.push(`rm -rf ${this.dir}: ${err.message}`));
    // Shims exit on their own after their last task is deleted; give them a
    // moment before calling anything a leak.
    const deadline = Date.now() + 5_000;
    let left = ours.filter(isRunning);
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(50);
      left = left.filter(isRunning);
    }
    if (left.length > 0) problems.push(`processes still running: ${left.join(', ')}`);
    if (problems.length > 0) throw new Error(`stopping containerd in ${this.dir}:\n  ${problems.join('\n  ')}`);
  }

  private running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Tears pods down through CRI, which is the only way their network
   * namespaces and CNI state go away cleanly. A daemon that crashed (tests do
   * crash it) is started once more for that, since it recovers its pods.
   */
  private async removeAllPodsForStop(): Promise<SandboxResidue[]> {
    if (!this.wasReady) return []; // never came up, so it has no pods
    try {
      if (!this.running()) {
        await this.spawnDaemon();
        await this.waitReady(15_000);
      }
      const { residues, errors } = await tearDownAllPods(this.client ??= connectRuntime(this.endpoint));
      // Not fatal by itself: stop() fails only if something is left once it is done.
      for (const e of errors) process.emitWarning(`e2e containerd ${this.dir}: ${e}`);
      return residues;
    } catch (err) {
      process.emitWarning(`e2e containerd ${this.dir}: could not remove pods through CRI: ${(err as Error).message}`);
      return [];
    }
  }

  /** Our shims: their command line names our socket as containerd's address. */
  private shims(table: ProcEntry[]): ProcEntry[] {
    return table.filter((p) => {
      const i = p.argv.indexOf('-address');
      return i >= 0 && p.argv[i + 1] === this.socket && basename(p.argv[0] ?? '').startsWith('containerd-shim');
    });
  }

  async processes(): Promise<number[]> {
    const table = await processTable();
    const roots = this.shims(table).map((p) => p.pid);
    if (this.running() && this.child?.pid !== undefined) roots.push(this.child.pid);
    return descendants(table, roots);
  }

  /**
   * After the daemon is gone: force-delete containers runc still knows (that
   * kills them and removes their cgroups), then kill our shims and anything
   * below them, and remove the shim sockets containerd keeps in /run.
   */
  private async killLeftovers(problems: string[]): Promise<void> {
    for (const ns of await readdir(this.runcRoot).catch(() => [] as string[])) {
      const root = join(this.runcRoot, ns);
      const { stdout } = await execFileAsync('runc', ['--root', root, 'list', '-q']).catch(() => ({ stdout: '' }));
      for (const id of stdout.split('\n').filter(Boolean)) {
        await execFileAsync('runc', ['--root', root, 'delete', '--force', id])
          .catch((err: Error) => problems.push(`runc delete ${id}: ${err.message}`));
      }
    }
    const table = await processTable();
    const shims = this.shims(table);
    const victims = descendants(table, shims.map((p) => p.pid)).reverse(); // children before parents
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < 50 && victims.some(isRunning); i++) await sleep(100);
    for (const shim of shims) {
      // containerd 1.6 puts shim sockets at /run/containerd/s/sha256(<address>/<namespace>/<id>).
      const arg = (flag: string) => shim.argv[shim.argv.indexOf(flag) + 1] ?? '';
      const hash = createHash('sha256').update(join(this.socket, arg('-namespace'), arg('-id'))).digest('hex');
      await rm(join('/run/containerd/s', hash), { force: true });
    }
  }

  /** Unmounts everything under our dir (overlay rootfs, shm), deepest first. */
  private async unmountAll(problems: string[]): Promise<void> {
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((p): p is string => p !== undefined)
      .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter((p) => p.startsWith(this.dir + '/'))
      .sort((a, b) => b.split('/').length - a.split('/').length);
    for (const point of mounts) {
      await execFileAsync('umount', [point]).catch(() =>
        execFileAsync('umount', ['--lazy', point]).catch((err: Error) => problems.push(`umount ${point}: ${err.message}`)));
    }
  }
}

/**
 * A sandbox the runtime could not tear down (e.g. CNI failed) keeps its
 * network namespace bind-mounted in /run/netns; only touch CRI-made ones.
 */
async function removeNetns(path: string, problems: string[]): Promise<void> {
  if (!/^\/(var\/)?run\/netns\/cni-[0-9a-f-]+$/.test(path) || !existsSync(path)) return;
  await execFileAsync('umount', [path]).catch(() => undefined); // may already be unmounted
  await rm(path, { force: true }).catch((err: Error) => problems.push(`rm ${path}: ${err.message}`));
}

interface ProcEntry {
  pid: number;
  ppid: number;
  argv: string[];
}

async function processTable(): Promise<ProcEntry[]> {
  const out: ProcEntry[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // comm (field 2) may contain spaces and parentheses; ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').filter(Boolean);
      out.push({ pid: Number(name), ppid, argv });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** `roots` and all their descendants, parents before children. */
function descendants(table: ProcEntry[], roots: number[]): number[] {
  const result: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (result.includes(pid)) continue;
    result.push(pid);
    for (const p of table) if (p.ppid === pid) queue.push(p.pid);
  }
  return result;
}

/**
 * True while `pid` exists and is not a zombie. Zombies hold nothing but a
 * PID; our exited shims are reparented to init, which reaps them on its own
 * schedule (about a second here), so waiting for that would only slow stop().
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
