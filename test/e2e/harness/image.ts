// Builds the one image the end-to-end tests need, without a registry: a
// docker-archive tarball (the `docker save` layout) holding a static busybox.
// Everything is written from Node with a tiny ustar writer and fixed
// timestamps/owners, so the same host busybox always yields the same digests.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Name only under `localhost/` so nothing ever tries to reach a real registry. */
export const E2E_IMAGE_REF = 'localhost/cri-exporter-e2e/busybox:1';
const HOST_BUSYBOX = '/bin/busybox';

/** Applets the tests call; each becomes /bin/<name> -> busybox. */
const APPLETS = [
  'sh', 'ash', 'sleep', 'echo', 'cat', 'ls', 'dd', 'yes', 'ping', 'wget', 'true', 'false',
  'date', 'mkdir', 'rm', 'rmdir', 'touch', 'seq', 'head', 'tail', 'env', 'kill', 'ps',
  'grep', 'wc', 'cp', 'mv', 'ln', 'nc', 'ip', 'hostname', 'id', 'printf', 'test', '[',
  'sed', 'awk', 'stat', 'df', 'du', 'sync', 'tee', 'timeout', 'uname', 'xargs',
];

// Fixed mtime (2020-01-01T00:00:00Z) keeps the layer digest stable across builds.
const MTIME = 1577836800;

interface TarEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  data?: Buffer;
  linkTarget?: string;
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL.
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar: name too long: ${entry.name}`);
  h.write(entry.name, 0, 100, 'utf8');
  h.write(octal(entry.mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(MTIME, 12), 136, 'ascii');
  h.fill(' ', 148, 156); // checksum is computed with this field as spaces
  h.write(entry.type === 'file' ? '0' : entry.type === 'symlink' ? '2' : '5', 156, 'ascii');
  if (entry.linkTarget !== undefined) h.write(entry.linkTarget, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Serialises entries as a POSIX ustar archive (two zero blocks at the end). */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(tarHeader(e, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  const arch = map[process.arch];
  if (arch === undefined) throw new Error(`image: unsupported host architecture ${process.arch}`);
  return arch;
}

async function rootfsLayer(): Promise<Buffer> {
  let busybox: Buffer;
  try {
    busybox = await readFile(HOST_BUSYBOX);
  } catch (err) {
    throw new Error(`image: cannot read ${HOST_BUSYBOX} (install busybox-static): ${String(err)}`);
  }
  const file = (name: string, text: string, mode = 0o644): TarEntry =>
    ({ name, type: 'file', mode, data: Buffer.from(text) });
  const dir = (name: string, mode = 0o755): TarEntry => ({ name, type: 'dir', mode });
  return writeTar([
    dir('bin/'),
    { name: 'bin/busybox', type: 'file', mode: 0o755, data: busybox },
    ...APPLETS.map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', mode: 0o777, linkTarget: 'busybox' })),
    // Mount points runc would otherwise have to create in the snapshot.
    dir('dev/'), dir('proc/'), dir('sys/'), dir('root/', 0o700), dir('tmp/', 0o1777),
    dir('etc/'),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    file('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
  ]);
}

/**
 * Writes `busybox-image.tar` into `dir`: a docker-archive with a single
 * uncompressed layer, loadable by `ctr images import` and `docker load`.
 */
export async function buildBusyboxImageTar(dir: string): Promise<{ tarPath: string; imageRef: string }> {
  const layer = await rootfsLayer();
  const diffId = sha256(layer);
  const config = Buffer.from(JSON.stringify({
    architecture: goArch(),
    os: 'linux',
    created: new Date(MTIME * 1000).toISOString(),
    config: {
      Env: ['PATH=/bin'],
      // Sleeps "forever" so this image can double as the pod sandbox (pause) image.
      Cmd: ['/bin/sleep', '2147483647'],
      WorkingDir: '/',
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created: new Date(MTIME * 1000).toISOString(), created_by: 'cri-exporter e2e harness' }],
  }));
  const configName = `${sha256(config)}.json`;
  // The legacy per-layer directory name; docker only needs it to be unique.
  const layerDir = diffId;
  const [repo, tag] = splitRef(E2E_IMAGE_REF);
  const manifest = JSON.stringify([{ Config: configName, RepoTags: [E2E_IMAGE_REF], Layers: [`${layerDir}/layer.tar`] }]);
  const repositories = JSON.stringify({ [repo]: { [tag]: layerDir } });
  const legacyLayerJson = JSON.stringify({ id: layerDir, created: new Date(MTIME * 1000).toISOString(), os: 'linux' });

  const archive = writeTar([
    { name: `${layerDir}/`, type: 'dir', mode: 0o755 },
    { name: `${layerDir}/VERSION`, type: 'file', mode: 0o644, data: Buffer.from('1.0') },
    { name: `${layerDir}/json`, type: 'file', mode: 0o644, data: Buffer.from(legacyLayerJson) },
    { name: `${layerDir}/layer.tar`, type: 'file', mode: 0o644, data: layer },
    { name: configName, type: 'file', mode: 0o644, data: config },
    { name: 'manifest.json', type: 'file', mode: 0o644, data: Buffer.from(manifest) },
    { name: 'repositories', type: 'file', mode: 0o644, data: Buffer.from(repositories) },
  ]);
  const tarPath = join(dir, 'busybox-image.tar');
  await writeFile(tarPath, archive);
  return { tarPath, imageRef: E2E_IMAGE_REF };
}

function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  return [ref.slice(0, i), ref.slice(i + 1)];
}

/**
 * Imports the tarball into the `k8s.io` namespace (the one the CRI plugin
 * uses) and unpacks it for overlayfs, so CRI can start containers from it
 * without pulling. Fails if the image does not show up as unpacked.
 */
export async function importImage(ctrSocket: string, tarPath: string, imageRef = E2E_IMAGE_REF): Promise<void> {
  const ctr = (...args: string[]) =>
    execFileAsync('ctr', ['--address', ctrSocket, '--namespace', 'k8s.io', ...args], { timeout: 60_000 });
  try {
    await ctr('images', 'import', '--snapshotter', 'overlayfs', '--platform', `linux/${goArch()}`, tarPath);
  } catch (err) {
    throw new Error(`ctr images import ${tarPath} via ${ctrSocket} failed: ${errText(err)}`);
  }
  // `ctr images check` prints one row per image; the last column says whether
  // its layers are unpacked for the snapshotter.
  const { stdout } = await ctr('images', 'check', '--snapshotter', 'overlayfs', `name==${imageRef}`);
  const row = stdout.split('\n').find((l) => l.startsWith(imageRef + ' '));
  if (row === undefined || !/\bcomplete\b/.test(row) || !/\btrue\s*$/.test(row)) {
    throw new Error(`image ${imageRef} not usable after import (ctr images check):\n${stdout}`);
  }
}

function errText(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message) ?? String(err);
}
