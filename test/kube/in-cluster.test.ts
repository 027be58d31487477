// The pod's service-account configuration, from a temporary directory in
// place of /var/run/secrets/kubernetes.io/serviceaccount.
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseServer } from '../../src/kube/api-endpoint.js';
import { kubeApis } from '../../src/kube/client.js';
import { KubeSetupError } from '../../src/kube/errors.js';
import { inClusterEndpoint, SERVICE_ACCOUNT_DIR } from '../../src/kube/in-cluster.js';

describe('in-cluster configuration', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-sa-'));
    await writeFile(join(dir, 'ca.crt'), 'CLUSTER CA');
    await writeFile(join(dir, 'token'), 'token-1\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults to the directory Kubernetes mounts', () => {
    assert.equal(SERVICE_ACCOUNT_DIR, '/var/run/secrets/kubernetes.io/serviceaccount');
  });

  it('reaches the kubernetes Service with the mounted token and CA', () => {
    const ep = inClusterEndpoint({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, { dir });
    assert.equal(ep.server, 'https://10.96.0.1:443');
    assert.equal(ep.tls.ca?.toString(), 'CLUSTER CA');
    assert.equal(ep.tls.rejectUnauthorized, true);
    assert.equal(ep.authorization(), 'Bearer token-1');
  });

  it('puts an IPv6 service host in brackets', () => {
    const ep = inClusterEndpoint({ KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '6443' }, { dir });
    assert.equal(ep.server, 'https://[fd00:10:96::1]:6443');
    assert.deepEqual(parseServer(ep.server, 'test'), { hostname: 'fd00:10:96::1', port: 6443, basePath: '' });
  });

  it('re-reads the token after the kubelet rotates it, and keeps the last one if the file is briefly gone', async () => {
    const tokenDir = await mkdtemp(join(tmpdir(), 'cri-sa-rotate-'));
    try {
      await writeFile(join(tokenDir, 'ca.crt'), 'CA');
      await writeFile(join(tokenDir, 'token'), 'before-rotation');
      let now = 1_000_000;
      const ep = inClusterEndpoint({ KUBERNETES_SERVICE_HOST: 'kubernetes.default.svc' }, { dir: tokenDir, now: () => now });
      assert.equal(ep.server, 'https://kubernetes.default.svc:443', 'port 443 when KUBERNETES_SERVICE_PORT is unset');
      assert.equal(ep.authorization(), 'Bearer before-rotation');
      await writeFile(join(tokenDir, 'token'), 'after-rotation');
      now += 30_000;
      assert.equal(ep.authorization(), 'Bearer before-rotation', 'not re-read while fresh');
      now += 30_000;
      assert.equal(ep.authorization(), 'Bearer after-rotation');
      await unlink(join(tokenDir, 'token'));
      now += 60_000;
      assert.equal(ep.authorization(), 'Bearer after-rotation');
    } finally {
      await rm(tokenDir, { recursive: true, force: true });
    }
  });

  it('fails at start when the service account is not mounted', () => {
    const empty = join(dir, 'does-not-exist');
    assert.throws(() => inClusterEndpoint({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, { dir: empty }),
      (err: Error) => err instanceof KubeSetupError && err.message.includes(join(empty, 'ca.crt')));
  });

  it('is what kubeApis uses without a kubeconfig, and nothing is used outside a cluster', async () => {
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const apis = await kubeApis({ inCluster: true, timeoutMs: 1000, env, serviceAccount: { dir } });
    assert.equal(apis?.server, 'https://10.96.0.1:443');
    apis?.close();
    assert.equal(await kubeApis({ inCluster: false, timeoutMs: 1000, env, serviceAccount: { dir } }), undefined);
  });
});
