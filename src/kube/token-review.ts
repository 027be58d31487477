// Who a bearer token belongs to, as the API server says: a TokenReview, the
// same call the kubelet's webhook authenticator makes.
import type { KubeApis } from './client.js';

export interface Identity {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

export type TokenVerdict =
  | { readonly authenticated: true; readonly user: Identity }
  | { readonly authenticated: false; readonly reason: string };

/**
 * Asks the API server about `token`. With `audiences`, the token must be
 * valid for at least one of them: an answer that does not name one of ours
 * is treated as unauthenticated (an API server that ignored the audiences
 * must not turn a token for another service into access here).
 * Throws KubeApiError when the API does not answer.
 */
export async function reviewToken(apis: KubeApis, token: string, audiences: readonly string[]): Promise<TokenVerdict> {
  const { status } = await apis.createTokenReview({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token, ...(audiences.length > 0 ? { audiences: [...audiences] } : {}) },
  });
  if (status?.authenticated !== true || !status.user) {
    return { authenticated: false, reason: status?.error || 'token not authenticated' };
  }
  if (audiences.length > 0 && !(status.audiences ?? []).some((a) => audiences.includes(a))) {
    return { authenticated: false, reason: `token is not valid for audiences ${audiences.join(',')}` };
  }
  const u = status.user;
  return {
    authenticated: true,
    user: { username: u.username ?? '', uid: u.uid ?? '', groups: u.groups ?? [], extra: u.extra ?? {} },
  };
}
