// May this user do that on this node? A SubjectAccessReview, as the kubelet
// asks before serving /metrics or /logs.
import type { KubeApis } from './client.js';
import type { Identity } from './token-review.js';

/** Resource attributes of a request, always about one Node object. */
export interface NodeAccess {
  readonly verb: string;
  readonly subresource: string;
  readonly name: string;
}

export interface AccessVerdict {
  readonly allowed: boolean;
  readonly reason: string;
}

/** Throws KubeApiError when the API does not answer. */
export async function reviewAccess(apis: KubeApis, user: Identity, access: NodeAccess): Promise<AccessVerdict> {
  const { status } = await apis.createSubjectAccessReview({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: user.username,
      uid: user.uid,
      groups: [...user.groups],
      extra: Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])),
      resourceAttributes: { group: '', version: 'v1', resource: 'nodes', subresource: access.subresource, name: access.name, verb: access.verb },
    },
  });
  // An explicit deny, or no decision, is a no; only allowed=true and not denied is a yes.
  const allowed = status?.allowed === true && status.denied !== true;
  return { allowed, reason: status?.reason || status?.evaluationError || (allowed ? '' : 'no RBAC rule allows it') };
}
