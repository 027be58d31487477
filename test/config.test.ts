import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync } from 'node:fs';
import { ConfigError, inCluster, loadConfig, SERVICE_ACCOUNT_TOKEN, usage } from '../src/config.js';
import { parseDuration } from '../src/duration.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig([], { NODE_NAME: 'node-1' });
    assert.equal(c.command, 'serve');
    assert.deepEqual(c.listen, { host: '0.0.0.0', port: 9310 });
    assert.equal(c.pollIntervalMs, 10_000);
    assert.equal(c.criTimeoutMs, 5_000);
    assert.equal(c.removedGraceMs, 300_000);
    assert.equal(c.criMaxMessageBytes, 16 * 1024 * 1024);
    assert.equal(c.demoPods, 6);
    assert.equal(c.nodeName, 'node-1');
    assert.equal(c.runtimeEndpoint, undefined);
    assert.equal(c.criApiVersion, 'auto');
    assert.ok(Object.isFrozen(c));
  });

  it('reads commands and flags', () => {
    const c = loadConfig(['containers', '--output', 'json', '--runtime-endpoint', '/run/crio/crio.sock', '--poll-interval=1m30s']);
    assert.equal(c.command, 'containers');
    assert.equal(c.output, 'json');
    assert.equal(c.runtimeEndpoint?.display, 'unix:///run/crio/crio.sock');
    assert.equal(c.pollIntervalMs, 90_000);
  });

  it('takes CRI_EXPORTER_* variables, and the flag wins over them', () => {
    const env = { CRI_EXPORTER_POLL_INTERVAL: '30s', CRI_EXPORTER_NODE_NAME: 'from-env', CRI_EXPORTER_DEMO: 'true' };
    assert.equal(loadConfig([], env).pollIntervalMs, 30_000);
    assert.equal(loadConfig([], env).demo, true);
    assert.equal(loadConfig(['--poll-interval', '2s'], env).pollIntervalMs, 2_000);
    assert.equal(loadConfig(['--node-name', 'flag'], env).nodeName, 'flag');
  });

  const errors: [string[], Record<string, string>, RegExp][] = [
    [['--bogus'], {}, /Unknown option '--bogus'/],
    [['frobnicate'], {}, /unknown command "frobnicate"/],
    [['--poll-interval', '10'], {}, /^--poll-interval: "10" is not a duration/],
    [['--poll-interval', '1ms'], {}, /^--poll-interval: 1ms is too short/],
    [['--listen', 'localhost'], {}, /^--listen: "localhost" is not host:port/],
    [['--listen', ':99999'], {}, /^--listen:/],
    [['--runtime-endpoint', 'http://x:1'], {}, /^--runtime-endpoint: invalid endpoint "http:\/\/x:1": unsupported scheme/],
    [['--demo-pods', '-3'], {}, /--demo-pods/],
    [['--demo-pods', 'many'], {}, /^--demo-pods: "many" is not a whole number/],
    [['--log-level', 'loud'], {}, /^--log-level: "loud" is not one of/],
    [['containers', '--output', 'yaml'], {}, /^--output: "yaml" is not one of table, wide, json/],
    [[], { CRI_EXPORTER_CRI_TIMEOUT: 'soon' }, /^--cri-timeout: "soon" is not a duration/],
    [[], { CRI_EXPORTER_DEMO: 'yes' }, /^--demo: "yes" is not true or false/],
  ];
  for (const [argv, env, message] of errors) {
    it(`rejects ${JSON.stringify(argv)} ${JSON.stringify(env)} naming the flag`, () => {
      assert.throws(() => loadConfig(argv, env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('lists every flag in the usage text', () => {
    for (const flag of ['--runtime-endpoint', '--listen', '--poll-interval', '--demo', '--removed-grace', '--cri-api-version']) {
      assert.ok(usage().includes(flag), flag);
    }
  });
});

describe('loadConfig: access control and HTTP limits', () => {
  it('defaults to no auth outside a cluster, TLS 1.2, 64 concurrent requests and a 10 s header timeout', () => {
    const c = loadConfig([], {});
    assert.equal(c.auth, 'none');
    assert.equal(c.authDefaulted, true);
    assert.deepEqual(c.authAudiences, []);
    assert.equal(c.tls, undefined);
    assert.equal(c.tlsMinVersion, 'VersionTLS12');
    assert.equal(c.maxConcurrentRequests, 64);
    assert.equal(c.httpHeaderTimeoutMs, 10_000);
  });

  it('needs the service-account token as well as KUBERNETES_SERVICE_HOST to default to kubernetes', () => {
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
    assert.equal(inCluster(env), existsSync(SERVICE_ACCOUNT_TOKEN));
    assert.equal(loadConfig([], env).auth, inCluster(env) ? 'kubernetes' : 'none');
  });

  it('reads the access flags and their variables', () => {
    const c = loadConfig(['--auth', 'kubernetes', '--auth-audiences', 'cri-exporter, https://kubernetes.default.svc ,', '--kubeconfig', '/etc/kc',
      '--tls-cert-file', '/tls/tls.crt', '--tls-key-file', '/tls/tls.key', '--tls-min-version', 'VersionTLS13',
      '--max-concurrent-requests', '8', '--http-header-timeout', '2s'], {});
    assert.equal(c.auth, 'kubernetes');
    assert.equal(c.authDefaulted, false);
    assert.deepEqual(c.authAudiences, ['cri-exporter', 'https://kubernetes.default.svc']);
    assert.equal(c.kubeconfig, '/etc/kc');
    assert.deepEqual(c.tls, { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key' });
    assert.equal(c.tlsMinVersion, 'VersionTLS13');
    assert.equal(c.maxConcurrentRequests, 8);
    assert.equal(c.httpHeaderTimeoutMs, 2_000);
    assert.equal(loadConfig([], { CRI_EXPORTER_AUTH: 'none', KUBERNETES_SERVICE_HOST: 'x' }).auth, 'none');
  });

  const errors: [string[], RegExp][] = [
    [['--auth', 'token'], /^--auth: "token" is not one of none, kubernetes/],
    [['--tls-min-version', 'VersionTLS11'], /^--tls-min-version: "VersionTLS11" is not one of VersionTLS12, VersionTLS13/],
    [['--tls-min-version', '1.3'], /^--tls-min-version:/],
    [['--tls-cert-file', '/a.crt'], /^--tls-key-file: is required with --tls-cert-file/],
    [['--tls-key-file', '/a.key'], /^--tls-cert-file: is required with --tls-key-file/],
    [['--max-concurrent-requests', '0'], /^--max-concurrent-requests: "0" is not a whole number/],
    [['--http-header-timeout', 'forever'], /^--http-header-timeout: "forever" is not a duration/],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${JSON.stringify(argv)} naming the flag`, () => {
      assert.throws(() => loadConfig(argv, {}), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('lists the new flags in the usage text', () => {
    for (const flag of ['--auth', '--auth-audiences', '--kubeconfig', '--tls-cert-file', '--tls-key-file', '--tls-min-version', '--max-concurrent-requests', '--http-header-timeout']) {
      assert.ok(usage().includes(flag), flag);
    }
  });
});

describe('parseDuration', () => {
  it('parses Go-style durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', '10', 's', '10x', '10s ms', '-1s']) assert.equal(parseDuration(bad), undefined, bad);
  });
});
