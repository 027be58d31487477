// The kubeconfig loader: which cluster and user the current context picks,
// what the agent refuses (credential plugins), and that paths in the file
// are relative to the file, not to the working directory.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeSetupError } from '../../src/kube/errors.js';
import { selectKubeconfig } from '../../src/kube/kubeconfig.js';
import { loadKubeconfig } from '../../src/kube/kubeconfig-file.js';

/** A kubeconfig document (as YAML would parse it) with one context, `ctx`. */
function doc(user: Record<string, unknown>, cluster: Record<string, unknown> = { server: 'https://10.0.0.1:6443' }) {
  return {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'ctx',
    clusters: [{ name: 'other', cluster: { server: 'https://wrong:1' } }, { name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('selectKubeconfig', () => {
  it('picks the current context\'s cluster and token', () => {
    const sel = selectKubeconfig(doc({ token: 'abc' }, { server: 'https://api:6443', 'certificate-authority-data': b64('CA PEM'), 'tls-server-name': 'kubernetes' }), '/etc/kube/config');
    assert.equal(sel.context, 'ctx');
    assert.equal(sel.cluster.server, 'https://api:6443');
    assert.deepEqual(sel.cluster.ca, { data: Buffer.from('CA PEM') });
    assert.equal(sel.cluster.tlsServerName, 'kubernetes');
    assert.equal(sel.cluster.insecure, false);
    assert.equal(sel.user.token, 'abc');
  });

  it('reads client certificates inline or as paths relative to the kubeconfig', () => {
    const inline = selectKubeconfig(doc({ 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }), '/k/config');
    assert.deepEqual(inline.user.cert, { data: Buffer.from('CERT') });
    assert.deepEqual(inline.user.key, { data: Buffer.from('KEY') });
    const files = selectKubeconfig(doc({ 'client-certificate': 'pki/me.crt', 'client-key': '/abs/me.key', tokenFile: '../t' }), '/k/dir/config');
    assert.deepEqual(files.user.cert, { file: '/k/dir/pki/me.crt' });
    assert.deepEqual(files.user.key, { file: '/abs/me.key' });
    assert.equal(files.user.tokenFile, '/k/t');
  });

  it('prefers inline data over a file, as kubectl does', () => {
    const sel = selectKubeconfig(doc({}, { server: 'https://a', 'certificate-authority': 'ca.crt', 'certificate-authority-data': b64('X') }), '/k/config');
    assert.deepEqual(sel.cluster.ca, { data: Buffer.from('X') });
  });

  it('takes username/password as basic auth and no user as anonymous', () => {
    assert.deepEqual(selectKubeconfig(doc({ username: 'admin', password: 'pw' }), '/k').user.basic, { username: 'admin', password: 'pw' });
    const anon = selectKubeconfig({ ...doc({}), contexts: [{ name: 'ctx', context: { cluster: 'c' } }] }, '/k');
    assert.deepEqual(anon.user, { token: undefined, tokenFile: undefined, cert: undefined, key: undefined, basic: undefined });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['exec', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } },
      /^--kubeconfig: \/home\/me\/.kube\/config: user "u" authenticates with exec, .*only tokens \(token, tokenFile\), client certificates and username\/password are supported$/],
    ['auth-provider', { 'auth-provider': { name: 'gcp' } }, /user "u" authenticates with auth-provider, .*only tokens/],
    ['impersonation', { token: 't', as: 'someone' }, /authenticates with as, /],
    ['a certificate without its key', { 'client-certificate-data': b64('C') }, /needs both a client certificate and its key/],
    ['a token and a password', { token: 't', username: 'a', password: 'b' }, /both a token and username\/password/],
    ['a non-string token', { token: 12345 }, /user "u": token is not a string/],
  ];
  for (const [what, user, message] of refused) {
    it(`refuses a user with ${what}`, () => {
      assert.throws(() => selectKubeconfig(doc(user), '/home/me/.kube/config'), (err: Error) => err instanceof KubeSetupError && message.test(err.message));
    });
  }

  it('refuses insecure-skip-tls-verify together with a CA, a proxy, and a cluster without server', () => {
    assert.throws(() => selectKubeconfig(doc({}, { server: 'https://a', 'insecure-skip-tls-verify': true, 'certificate-authority': 'ca' }), '/k'), /both insecure-skip-tls-verify and a certificate authority/);
    assert.throws(() => selectKubeconfig(doc({}, { server: 'https://a', 'proxy-url': 'http://127.0.0.1:3128' }), '/k'), /proxy-url, which is not supported/);
    assert.throws(() => selectKubeconfig(doc({}, {}), '/k'), /cluster "c" has no server/);
  });

  it('says there is no current context with a cluster when there is none', () => {
    const message = '--kubeconfig: /k/config has no current context with a cluster';
    const { 'current-context': _, ...noCurrent } = doc({});
    assert.throws(() => selectKubeconfig(noCurrent, '/k/config'), { name: 'KubeSetupError', message });
    assert.throws(() => selectKubeconfig({ ...doc({}), 'current-context': 'missing' }, '/k/config'), { message });
    assert.throws(() => selectKubeconfig({ ...doc({}), clusters: [] }, '/k/config'), { message });
    assert.throws(() => selectKubeconfig({ ...doc({}), users: [] }, '/k/config'), /context "ctx" names user "u", which is not in the file/);
    assert.throws(() => selectKubeconfig(null, '/k/config'), /cannot load \/k\/config: not a kubeconfig/);
  });
});

describe('loadKubeconfig', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cri-kubeconfig-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const kubeconfig = (cluster: string[], user: string[]) => [
    'apiVersion: v1', 'kind: Config', 'current-context: test',
    'clusters:', '- name: test', '  cluster:', ...cluster.map((l) => `    ${l}`),
    'users:', '- name: agent', '  user:', ...user.map((l) => `    ${l}`),
    'contexts:', '- name: test', '  context:', '    cluster: test', '    user: agent', '',
  ].join('\n');

  it('reads a token and a CA file named relative to the kubeconfig\'s directory', async () => {
    await write('relative-ca.crt', 'CA FROM FILE');
    const file = await write('token.yaml', kubeconfig(['server: https://127.0.0.1:6443', 'certificate-authority: relative-ca.crt'], ['token: s3cret']));
    assert.notEqual(process.cwd(), dir, 'the working directory must differ for this test to mean anything');
    const ep = await loadKubeconfig(file);
    assert.equal(ep.server, 'https://127.0.0.1:6443');
    assert.equal(ep.tls.ca?.toString(), 'CA FROM FILE');
    assert.equal(ep.tls.rejectUnauthorized, true);
    assert.equal(ep.authorization(), 'Bearer s3cret');
  });

  it('reads a client certificate and key from files, and basic auth', async () => {
    await write('me.crt', 'CERT');
    await write('me.key', 'KEY');
    const cert = await loadKubeconfig(await write('cert.yaml', kubeconfig(['server: https://api', 'insecure-skip-tls-verify: true'], ['client-certificate: me.crt', `client-key: ${join(dir, 'me.key')}`])));
    assert.equal(cert.tls.cert?.toString(), 'CERT');
    assert.equal(cert.tls.key?.toString(), 'KEY');
    assert.equal(cert.tls.rejectUnauthorized, false);
    assert.equal(cert.authorization(), undefined);
    const basic = await loadKubeconfig(await write('basic.yaml', kubeconfig(['server: https://api'], ['username: admin', 'password: "pa:ss"'])));
    assert.equal(basic.authorization(), `Basic ${Buffer.from('admin:pa:ss').toString('base64')}`);
  });

  it('re-reads a tokenFile once the token in memory is a minute old', async () => {
    await write('sa-token', 'first\n');
    let now = 0;
    const ep = await loadKubeconfig(await write('tokenfile.yaml', kubeconfig(['server: https://api'], ['tokenFile: sa-token'])), { now: () => now });
    assert.equal(ep.authorization(), 'Bearer first');
    await write('sa-token', 'second');
    now += 59_000;
    assert.equal(ep.authorization(), 'Bearer first');
    now += 1_000;
    assert.equal(ep.authorization(), 'Bearer second');
  });

  it('fails at start, naming the kubeconfig, for an exec user', async () => {
    const file = await write('exec.yaml', kubeconfig(['server: https://api'], ['exec:', '  apiVersion: client.authentication.k8s.io/v1', '  command: aws']));
    await assert.rejects(loadKubeconfig(file), (err: Error) => err instanceof KubeSetupError
      && err.message.startsWith(`--kubeconfig: ${file}: user "agent" authenticates with exec`)
      && err.message.includes('only tokens (token, tokenFile), client certificates and username/password are supported'));
  });

  it('keeps the messages for a missing file, bad YAML and no current context', async () => {
    const missing = join(dir, 'nope.yaml');
    await assert.rejects(loadKubeconfig(missing), { name: 'KubeSetupError', message: `--kubeconfig: ${missing} does not exist` });
    const bad = await write('bad.yaml', 'clusters: [unclosed\n');
    await assert.rejects(loadKubeconfig(bad), (err: Error) => err.message.startsWith(`--kubeconfig: cannot load ${bad}: `) && !err.message.includes('\n'));
    const noContext = await write('nocontext.yaml', 'apiVersion: v1\nkind: Config\nclusters: []\n');
    await assert.rejects(loadKubeconfig(noContext), { message: `--kubeconfig: ${noContext} has no current context with a cluster` });
  });

  it('names the missing file a kubeconfig points to, and refuses a plain-http server', async () => {
    const ca = await write('gone-ca.yaml', kubeconfig(['server: https://api', 'certificate-authority: gone.crt'], ['token: t']));
    await assert.rejects(loadKubeconfig(ca), (err: Error) => err.message.includes(`--kubeconfig: ${ca}: cannot read certificate-authority`) && err.message.includes(join(dir, 'gone.crt')));
    const tokenFile = await write('gone-token.yaml', kubeconfig(['server: https://api'], ['tokenFile: gone-token']));
    await assert.rejects(loadKubeconfig(tokenFile), /cannot read tokenFile: .*gone-token/);
    const http = await write('http.yaml', kubeconfig(['server: http://127.0.0.1:8001'], []));
    await assert.rejects(loadKubeconfig(http), /is not https:\/\//);
  });
});
