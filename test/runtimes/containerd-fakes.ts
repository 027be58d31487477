// Stand-ins for what the containerd adapter reads besides CRI: a Snapshots
// gRPC server on a temp unix socket answering recorded Mounts replies, and a
// host /proc tree holding recorded mount tables.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { toContainerDetail } from '../../src/cri/convert.js';
import type { ContainerDetail } from '../../src/cri/types.js';
import { loadSnapshotsDefinition, SNAPSHOTS_SERVICE } from '../../src/runtimes/containerd-snapshots.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'containerd');
/** PIDs the recorder wrote into the fixtures. */
export const RUNNING_PID = 4242;
export const SHIM_PID = 4200;

export async function fixtureText(name: string): Promise<string> {
  return readFile(join(FIXTURES, name), 'utf8');
}

export async function fixtureJson<T = unknown>(name: string): Promise<T> {
  return JSON.parse(await fixtureText(name)) as T;
}

/** A recorded ContainerStatus answer, converted as the CRI client converts it. */
export async function recordedDetail(name: 'running-status.json' | 'exited-status.json'): Promise<ContainerDetail> {
  return toContainerDetail(await fixtureJson(name));
}

export interface MountsRequestSeen {
  readonly snapshotter: string;
  readonly key: string;
  readonly namespace: string;
}

export type MountsAnswer = { mounts: unknown[] } | { code: grpc.status; details: string } | 'hang';

export interface FakeSnapshots {
  readonly endpoint: string;
  readonly requests: MountsRequestSeen[];
  stop(): Promise<void>;
}

/**
 * A gRPC server on a unix socket. With `answer` it serves Snapshots.Mounts;
 * without, it serves nothing at all (a socket whose daemon lacks the service).
 */
export async function fakeSnapshots(dir: string, answer?: (key: string) => MountsAnswer): Promise<FakeSnapshots> {
  const socket = join(dir, `snap-${Math.random().toString(36).slice(2, 8)}.sock`);
  const server = new grpc.Server();
  const requests: MountsRequestSeen[] = [];
  const hung: grpc.ServerUnaryCall<unknown, unknown>[] = [];
  if (answer) {
    const service = loadSnapshotsDefinition()[SNAPSHOTS_SERVICE] as grpc.ServiceDefinition;
    server.addService(service, {
      mounts: (call: grpc.ServerUnaryCall<{ snapshotter: string; key: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const namespace = String(call.metadata.get('containerd-namespace')[0] ?? '');
        requests.push({ snapshotter: call.request.snapshotter, key: call.request.key, namespace });
        const a = answer(call.request.key);
        if (a === 'hang') hung.push(call);
        else if ('code' in a) cb({ code: a.code, details: a.details });
        else cb(null, a);
      },
    });
  }
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return {
    endpoint: `unix://${socket}`,
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
}

/** containerd's answer for a snapshot it does not have (the container was removed). */
export const SNAPSHOT_NOT_FOUND = (key: string): MountsAnswer =>
  ({ code: grpc.status.NOT_FOUND, details: `snapshot ${key} does not exist: not found` });

export interface FakeProcOptions {
  /** Mount table of the container's parent (the shim). */
  readonly shimTable?: string;
  /** Mount table of the host's init. */
  readonly initTable?: string;
  /** The running container's own /proc/<pid>/cgroup. */
  readonly cgroup?: string;
}

/** A host /proc under `dir` holding the running container, its shim and init. */
export async function fakeProc(dir: string, opts: FakeProcOptions): Promise<string> {
  const proc = join(dir, 'proc');
  const put = async (pid: number, name: string, text: string) => {
    await mkdir(join(proc, String(pid)), { recursive: true });
    await writeFile(join(proc, String(pid), name), text);
  };
  await put(RUNNING_PID, 'stat', `${RUNNING_PID} (sleep) S ${SHIM_PID} ${RUNNING_PID} ${RUNNING_PID} 0 -1 4194560 105 0 0 0\n`);
  await put(RUNNING_PID, 'mountinfo', await fixtureText('mountinfo-container.txt'));
  if (opts.cgroup !== undefined) await put(RUNNING_PID, 'cgroup', opts.cgroup);
  if (opts.shimTable !== undefined) await put(SHIM_PID, 'mountinfo', opts.shimTable);
  await put(1, 'mountinfo', opts.initTable ?? '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n');
  return proc;
}

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'crie-ctd-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
