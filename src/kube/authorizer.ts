// Bearer token → decision, the way the kubelet decides: TokenReview for who,
// SubjectAccessReview for whether. Answers are cached briefly under a hash
// of the token (never the token itself); when the API cannot answer, the
// request is refused (503), never let through.
import { createHash } from 'node:crypto';
import type { NodeAccess } from './access-review.js';
import { reviewAccess } from './access-review.js';
import { TtlCache } from './cache.js';
import type { KubeApis } from './client.js';
import { KubeApiError } from './errors.js';
import { reviewToken, type TokenVerdict } from './token-review.js';

export interface Decision {
  /** 200 allowed; 401 unauthenticated; 403 forbidden; 503 could not decide. */
  readonly status: 200 | 401 | 403 | 503;
  readonly reason: string;
  /** Who it was, when known (for the log; never the token). */
  readonly user?: string;
}

export interface AuthorizerOptions {
  readonly audiences: readonly string[];
  /** The kubelet's webhook defaults: 2 minutes for yes, 30 seconds for no. */
  readonly allowTtlMs?: number;
  readonly denyTtlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export class KubeAuthorizer {
  private readonly tokens: TtlCache<TokenVerdict>;
  private readonly access: TtlCache<boolean>;
  private readonly allowTtl: number;
  private readonly denyTtl: number;

  constructor(private readonly apis: KubeApis, private readonly opts: AuthorizerOptions) {
    this.tokens = new TtlCache(opts.maxEntries ?? 1024, opts.now);
    this.access = new TtlCache(opts.maxEntries ?? 1024, opts.now);
    this.allowTtl = opts.allowTtlMs ?? 120_000;
    this.denyTtl = opts.denyTtlMs ?? 30_000;
  }

  async check(token: string, access: NodeAccess): Promise<Decision> {
    const key = tokenKey(token);
    try {
      const who = await this.identify(key, token);
      if (!who.authenticated) return { status: 401, reason: who.reason };
      const user = who.user.username;
      const allowed = await this.authorize(key, who, access);
      return allowed
        ? { status: 200, reason: '', user }
        : { status: 403, reason: `${user} may not ${access.verb} nodes/${access.subresource} ${access.name}`, user };
    } catch (err) {
      if (err instanceof KubeApiError) return { status: 503, reason: err.message };
      throw err;
    }
  }

  private async identify(key: string, token: string): Promise<TokenVerdict> {
    const cached = this.tokens.get(key);
    if (cached) return cached;
    const verdict = await reviewToken(this.apis, token, this.opts.audiences);
    this.tokens.set(key, verdict, verdict.authenticated ? this.allowTtl : this.denyTtl);
    return verdict;
  }

  private async authorize(key: string, who: TokenVerdict & { authenticated: true }, access: NodeAccess): Promise<boolean> {
    const accessKey = `${key}|${access.verb}|${access.subresource}|${access.name}`;
    const cached = this.access.get(accessKey);
    if (cached !== undefined) return cached;
    const { allowed } = await reviewAccess(this.apis, who.user, access);
    this.access.set(accessKey, allowed, allowed ? this.allowTtl : this.denyTtl);
    return allowed;
  }
}

/** SHA-256 of the token: equal tokens share an entry, and a heap dump shows no token. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
