// TokenReview, SubjectAccessReview and the Node read over a stub KubeApis:
// what each asks, how each reads the answer, and that an API failure
// becomes a 503 (fail closed), never an allow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reviewAccess } from '../../src/kube/access-review.js';
import { KubeAuthorizer } from '../../src/kube/authorizer.js';
import type { KubeApis } from '../../src/kube/client.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { readContainerRuntimeVersion } from '../../src/kube/node-info.js';
import { reviewToken } from '../../src/kube/token-review.js';
import type { Node, SubjectAccessReview, TokenReview } from '../../src/kube/types.js';

interface Stub extends KubeApis {
  readonly sent: unknown[];
}

function stub(answers: { token?: TokenReview['status']; access?: SubjectAccessReview['status']; node?: Node; error?: KubeApiError }): Stub {
  const sent: unknown[] = [];
  const reply = async <T>(body: unknown, value: T): Promise<T> => {
    sent.push(body);
    if (answers.error) throw answers.error;
    return value;
  };
  return {
    server: 'https://api.test', sent,
    createTokenReview: (r) => reply(r, { ...r, status: answers.token }),
    createSubjectAccessReview: (r) => reply(r, { ...r, status: answers.access }),
    readNode: (name) => reply(name, answers.node ?? {}),
    close: () => undefined,
  };
}

const alice = { username: 'alice', uid: 'u-1', groups: ['g'], extra: { scope: ['a', 'b'] } };
const outage = new KubeApiError('POST /apis/authentication.k8s.io/v1/tokenreviews', 'https://api.test', 500, 'etcdserver: request timed out');

describe('reviewToken', () => {
  it('asks with the audiences and returns the identity', async () => {
    const apis = stub({ token: { authenticated: true, user: alice, audiences: ['cri-exporter'] } });
    assert.deepEqual(await reviewToken(apis, 't', ['cri-exporter']), { authenticated: true, user: alice });
    assert.deepEqual(apis.sent, [{ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 't', audiences: ['cri-exporter'] } }]);
  });

  it('leaves audiences out when none are configured, and fills missing user fields', async () => {
    const apis = stub({ token: { authenticated: true, user: { username: 'bob' } } });
    assert.deepEqual(await reviewToken(apis, 't', []), { authenticated: true, user: { username: 'bob', uid: '', groups: [], extra: {} } });
    assert.deepEqual(apis.sent, [{ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 't' } }]);
  });

  it('is unauthenticated with the API\'s error, or when the audiences do not match', async () => {
    assert.deepEqual(await reviewToken(stub({ token: { user: {}, error: 'invalid bearer token' } }), 't', []), { authenticated: false, reason: 'invalid bearer token' });
    assert.deepEqual(await reviewToken(stub({ token: undefined }), 't', []), { authenticated: false, reason: 'token not authenticated' });
    assert.deepEqual(await reviewToken(stub({ token: { authenticated: true, user: alice, audiences: ['vault'] } }), 't', ['cri-exporter']),
      { authenticated: false, reason: 'token is not valid for audiences cri-exporter' });
  });

  it('throws the KubeApiError when the API fails', async () => {
    await assert.rejects(reviewToken(stub({ error: outage }), 't', []), outage);
  });
});

describe('reviewAccess', () => {
  const access = { verb: 'get', subresource: 'metrics', name: 'n1' };

  it('asks about nodes/<subresource> of this node for the identity', async () => {
    const apis = stub({ access: { allowed: true, reason: 'RBAC: allowed' } });
    assert.deepEqual(await reviewAccess(apis, alice, access), { allowed: true, reason: 'RBAC: allowed' });
    assert.deepEqual(apis.sent, [{
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: {
        user: 'alice', uid: 'u-1', groups: ['g'], extra: { scope: ['a', 'b'] },
        resourceAttributes: { group: '', version: 'v1', resource: 'nodes', subresource: 'metrics', name: 'n1', verb: 'get' },
      },
    }]);
  });

  it('says no to an explicit deny, to no decision, and to no answer', async () => {
    assert.deepEqual(await reviewAccess(stub({ access: { allowed: true, denied: true, reason: 'denied by webhook' } }), alice, access), { allowed: false, reason: 'denied by webhook' });
    assert.deepEqual(await reviewAccess(stub({ access: { allowed: false } }), alice, access), { allowed: false, reason: 'no RBAC rule allows it' });
    assert.deepEqual(await reviewAccess(stub({ access: { allowed: false, evaluationError: 'webhook down' } }), alice, access), { allowed: false, reason: 'webhook down' });
    await assert.rejects(reviewAccess(stub({ error: outage }), alice, access), KubeApiError);
  });
});

describe('KubeAuthorizer over the API calls', () => {
  const access = { verb: 'get', subresource: 'log', name: 'n1' };

  it('answers 503 with the API\'s error when it cannot decide', async () => {
    const decision = await new KubeAuthorizer(stub({ error: outage }), { audiences: [] }).check('t', access);
    assert.equal(decision.status, 503);
    assert.equal(decision.reason, outage.message);
  });

  it('answers 200, 401 and 403 from the reviews', async () => {
    const allowed = stub({ token: { authenticated: true, user: alice }, access: { allowed: true } });
    assert.deepEqual(await new KubeAuthorizer(allowed, { audiences: [] }).check('t', access), { status: 200, reason: '', user: 'alice' });
    const unknown = stub({ token: { error: 'invalid bearer token' } });
    assert.deepEqual(await new KubeAuthorizer(unknown, { audiences: [] }).check('t', access), { status: 401, reason: 'invalid bearer token' });
    const denied = stub({ token: { authenticated: true, user: alice }, access: { allowed: false } });
    assert.deepEqual(await new KubeAuthorizer(denied, { audiences: [] }).check('t', access), { status: 403, reason: 'alice may not get nodes/log n1', user: 'alice' });
  });
});

describe('readContainerRuntimeVersion', () => {
  it('reads status.nodeInfo.containerRuntimeVersion, or empty when the Node has none', async () => {
    const apis = stub({ node: { status: { nodeInfo: { containerRuntimeVersion: 'cri-o://1.29.1' } } } });
    assert.equal(await readContainerRuntimeVersion(apis, 'n1'), 'cri-o://1.29.1');
    assert.deepEqual(apis.sent, ['n1']);
    assert.equal(await readContainerRuntimeVersion(stub({ node: {} }), 'n1'), '');
    await assert.rejects(readContainerRuntimeVersion(stub({ error: outage }), 'n1'), KubeApiError);
  });
});
