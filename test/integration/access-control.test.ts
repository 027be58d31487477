// --auth=kubernetes end to end: the agent CLI (with --demo) against a
// stand-in API server on loopback HTTPS that answers TokenReview,
// SubjectAccessReview and GET Node as a real one does. Covers the matrix of
// identities, audiences and an API outage, the Node cross-check, and that no
// token ever reaches the agent's log.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCert } from '../fixtures/certs.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fixtures/kube-api.js';
import { get, spawnAgent, type AgentProcess } from '../fixtures/agent-process.js';
import { parseSamples, waitUntil } from '../e2e/harness/agent.js';

const NODE = 'node-under-test';
const TOKENS = {
  agent: 'agent-sa-token-7f3e9d1c0b2a',
  metricsOnly: 'prometheus-token-1a2b3c4d5e6f',
  full: 'log-shipper-token-9a8b7c6d5e4f',
  otherAudience: 'vault-token-0f1e2d3c4b5a',
  unknown: 'forged-token-deadbeefcafe',
  duringOutage: 'late-scraper-token-1234abcd',
};

describe('access control with --auth=kubernetes', () => {
  let dir: string;
  let api: FakeKubeApi;
  let agent: AgentProcess;
  const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-auth-'));
    api = await startFakeKubeApi({
      cert: await makeCert(dir, 'apiserver'),
      agentToken: TOKENS.agent,
      nodeName: NODE,
      containerRuntimeVersion: 'containerd://1.6.20~ds1',
      tokens: {
        [TOKENS.metricsOnly]: { username: 'system:serviceaccount:monitoring:prometheus', audiences: ['cri-exporter'], grants: ['metrics'] },
        [TOKENS.full]: { username: 'system:serviceaccount:logging:shipper', audiences: ['cri-exporter'], grants: ['metrics', 'log'] },
        [TOKENS.otherAudience]: { username: 'system:serviceaccount:vault:vault', audiences: ['vault'], grants: ['metrics', 'log'] },
        [TOKENS.duringOutage]: { username: 'system:serviceaccount:monitoring:late', audiences: ['cri-exporter'], grants: ['metrics', 'log'] },
      },
    });
    const kubeconfig = await api.writeKubeconfig(dir);
    agent = await spawnAgent(['--demo', '--node-name', NODE, '--poll-interval', '200ms', '--auth', 'kubernetes',
      '--auth-audiences', 'cri-exporter', '--kubeconfig', kubeconfig, '--log-level', 'trace']);
  });

  after(async () => {
    await agent?.stop();
    await api?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the probes without a token', async () => {
    assert.equal((await get(`${agent.url}/healthz`)).status, 200);
    assert.notEqual((await get(`${agent.url}/readyz`)).status, 401);
  });

  it('answers 401 without a token, with a malformed header, and with an unknown token', async () => {
    const none = await get(`${agent.url}/metrics`);
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await get(`${agent.url}/metrics`, { headers: { authorization: `Basic ${TOKENS.full}` } })).status, 401);
    assert.equal((await get(`${agent.url}/api/v1/containers`, bearer(TOKENS.unknown))).status, 401);
  });

  it('lets a nodes/metrics identity scrape but not read host paths', async () => {
    const metrics = await get(`${agent.url}/metrics`, bearer(TOKENS.metricsOnly));
    assert.equal(metrics.status, 200, metrics.body);
    assert.match(metrics.body, /^cri_exporter_up /m);
    assert.equal((await get(`${agent.url}/metrics/cadvisor`, bearer(TOKENS.metricsOnly))).status, 200);
    const containers = await get(`${agent.url}/api/v1/containers`, bearer(TOKENS.metricsOnly));
    assert.equal(containers.status, 403);
    assert.match(containers.body, /may not get nodes\/log node-under-test/);
    assert.equal((await get(`${agent.url}/api/v1/discovery/logs`, bearer(TOKENS.metricsOnly))).status, 403);
    assert.equal((await get(`${agent.url}/no/such/path`, bearer(TOKENS.metricsOnly))).status, 403, 'unknown paths need the stronger grant');
  });

  it('lets a nodes/log identity read everything', async () => {
    assert.equal((await get(`${agent.url}/metrics`, bearer(TOKENS.full))).status, 200);
    // The list fills with the agent's first poll, which a loaded machine may not have finished yet.
    await waitUntil(async () => {
      const containers = await get(`${agent.url}/api/v1/containers`, bearer(TOKENS.full));
      assert.equal(containers.status, 200, containers.body);
      return (JSON.parse(containers.body) as unknown[]).length > 0;
    }, 10_000, () => `no containers listed; output:\n${agent.output()}`);
  });

  it('answers 401 to a valid token issued for another audience', async () => {
    assert.equal((await get(`${agent.url}/metrics`, bearer(TOKENS.otherAudience))).status, 401);
  });

  it('caches reviews: repeated scrapes do not ask the API again', async () => {
    const before = { ...Object.fromEntries(api.calls) };
    for (let i = 0; i < 5; i++) assert.equal((await get(`${agent.url}/metrics`, bearer(TOKENS.full))).status, 200);
    assert.deepEqual(Object.fromEntries(api.calls), before);
  });

  it('cross-checks the runtime with the Node object', async () => {
    await waitUntil(async () => {
      const r = JSON.parse((await get(`${agent.url}/api/v1/runtime`, bearer(TOKENS.full))).body) as { kubernetes?: unknown };
      return r.kubernetes !== undefined;
    }, 10_000, () => `no kubernetes field in /api/v1/runtime; output:\n${agent.output()}`);
    const runtime = JSON.parse((await get(`${agent.url}/api/v1/runtime`, bearer(TOKENS.full))).body) as { version: string; kubernetes: { containerRuntimeVersion: string; agrees: boolean } };
    assert.deepEqual(runtime.kubernetes, { containerRuntimeVersion: 'containerd://1.6.20~ds1', agrees: true });
    const info = parseSamples((await get(`${agent.url}/metrics`, bearer(TOKENS.full))).body, 'cri_runtime_info')[0];
    assert.equal(info?.labels.node_runtime_version, 'containerd://1.6.20~ds1');
  });

  it('fails closed when the review API errors or is unreachable', async () => {
    api.mode = 'error';
    for (const path of ['/metrics', '/api/v1/containers']) {
      const res = await get(`${agent.url}${path}`, bearer(TOKENS.duringOutage));
      assert.equal(res.status, 503, `${path} during an API error: ${res.status} ${res.body}`);
    }
    api.mode = 'up';
    await api.stop();
    const res = await get(`${agent.url}/metrics`, bearer(TOKENS.duringOutage));
    assert.equal(res.status, 503, `API unreachable: ${res.status}`);
    assert.equal((await get(`${agent.url}/metrics`)).status, 401, 'no token is still 401');
    assert.equal((await get(`${agent.url}/healthz`)).status, 200);
  });

  it('never writes a token to its log', () => {
    const log = agent.output();
    assert.match(log, /request refused/, 'refusals are logged (so the check below looks at a real log)');
    for (const [name, token] of Object.entries(TOKENS)) assert.ok(!log.includes(token), `${name} token found in the log`);
  });
});
