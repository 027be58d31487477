// HTTPS: the agent serves the configured certificate, picks up a rotated one
// without a restart, enforces --tls-min-version, and refuses bad files at
// start with one line and exit code 1.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCert, type TestCert } from '../fixtures/certs.js';
import { get, spawnAgent, type AgentProcess } from '../fixtures/agent-process.js';
import { waitUntil } from '../e2e/harness/agent.js';

/** Replaces a file the way rotation tools do: write aside, then rename over it. */
async function replace(target: string, source: string): Promise<void> {
  await copyFile(source, `${target}.tmp`);
  await rename(`${target}.tmp`, target);
}

describe('HTTPS with --tls-cert-file and --tls-key-file', () => {
  let dir: string;
  let first: TestCert;
  let second: TestCert;
  const live = { cert: '', key: '' };
  const agents: AgentProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-tls-'));
    first = await makeCert(dir, 'first');
    second = await makeCert(dir, 'second');
    live.cert = join(dir, 'tls.crt');
    live.key = join(dir, 'tls.key');
    await copyFile(first.certFile, live.cert);
    await copyFile(first.keyFile, live.key);
  });

  after(async () => {
    for (const a of agents) await a.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function agentWith(extra: string[]): Promise<AgentProcess> {
    const a = await spawnAgent(['--demo', '--tls-cert-file', live.cert, '--tls-key-file', live.key, ...extra],
      { https: { ca: Buffer.concat([first.cert, second.cert]) } });
    agents.push(a);
    return a;
  }

  it('serves the certificate, and the rotated one after the files change', async () => {
    const agent = await agentWith([]);
    const ca = Buffer.concat([first.cert, second.cert]);
    const res = await get(`${agent.url}/metrics`, { ca });
    assert.equal(res.status, 200);
    assert.equal(res.fingerprint, first.fingerprint);
    await replace(live.key, second.keyFile);
    await replace(live.cert, second.certFile);
    await waitUntil(async () => (await get(`${agent.url}/healthz`, { ca })).fingerprint === second.fingerprint, 10_000,
      () => `still serving the first certificate; output:\n${agent.output()}`);
    assert.equal((await get(`${agent.url}/metrics`, { ca })).status, 200);
    assert.match(agent.output(), /TLS certificate reloaded/);
  });

  it('keeps serving when a rotation leaves a mismatched pair, and takes the pair once it matches', async () => {
    await replace(live.cert, first.certFile);
    await replace(live.key, first.keyFile);
    const agent = await agentWith([]);
    const ca = Buffer.concat([first.cert, second.cert]);
    await replace(live.cert, second.certFile); // key still the first one's
    await new Promise((r) => setTimeout(r, 2500));
    const during = await get(`${agent.url}/healthz`, { ca });
    assert.equal(during.status, 200);
    assert.equal(during.fingerprint, first.fingerprint);
    await replace(live.key, second.keyFile);
    await waitUntil(async () => (await get(`${agent.url}/healthz`, { ca })).fingerprint === second.fingerprint, 10_000,
      () => `did not take the matching pair; output:\n${agent.output()}`);
  });

  it('refuses TLS 1.2 clients with --tls-min-version VersionTLS13', async () => {
    const agent = await agentWith(['--tls-min-version', 'VersionTLS13']);
    const ca = Buffer.concat([first.cert, second.cert]);
    await assert.rejects(get(`${agent.url}/healthz`, { ca, maxVersion: 'TLSv1.2' }), /protocol|version|alert/i);
    assert.equal((await get(`${agent.url}/healthz`, { ca })).status, 200);
  });

  it('accepts TLS 1.2 clients by default', async () => {
    const agent = agents[0] as AgentProcess;
    const ca = Buffer.concat([first.cert, second.cert]);
    assert.equal((await get(`${agent.url}/healthz`, { ca, maxVersion: 'TLSv1.2' })).status, 200);
  });

  for (const [name, setup] of [
    ['a missing certificate file', async () => ['--tls-cert-file', join(dir, 'absent.crt'), '--tls-key-file', live.key]],
    ['a certificate file that is not PEM', async () => {
      const junk = join(dir, 'junk.crt');
      await writeFile(junk, 'not a certificate\n');
      return ['--tls-cert-file', junk, '--tls-key-file', live.key];
    }],
    ['a key that does not match the certificate', async () => ['--tls-cert-file', first.certFile, '--tls-key-file', second.keyFile]],
  ] as const) {
    it(`exits 1 with one line on stderr for ${name}`, async () => {
      const args = await setup();
      const a = await spawnAgent(['--demo', ...args], { waitHealthy: false });
      agents.push(a);
      assert.equal(await a.exited, 1, a.output());
      const lines = a.output().trim().split('\n').filter((l) => l.startsWith('cri-exporter:'));
      assert.equal(lines.length, 1, a.output());
      assert.match(lines[0] as string, /--tls-(cert|key)-file: /);
    });
  }
});
