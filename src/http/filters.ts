// The container filters shared by /api/v1/containers and the log discovery
// endpoint: a query → a predicate over containers.
import type { Container } from '../poller/snapshot.js';
import { matches, parseSelector, SelectorError, type Selector } from './label-selector.js';

export const CONTAINER_STATES = ['created', 'running', 'exited', 'unknown'] as const;

export interface ContainerQuery {
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
  readonly state?: string;
  readonly labelSelector?: string;
}

/** Querystring schema: unknown parameters are rejected, so a typo never silently matches everything. */
export const containerQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    namespace: { type: 'string', maxLength: 253 },
    pod: { type: 'string', maxLength: 253 },
    container: { type: 'string', maxLength: 253 },
    state: { type: 'string', pattern: `^(${CONTAINER_STATES.join('|')})(,(${CONTAINER_STATES.join('|')}))*$` },
    labelSelector: { type: 'string', maxLength: 4096 },
  },
} as const;

/**
 * containerQuerySchema plus a route's own parameters: the shared filters are
 * written once, and unknown parameters are still rejected.
 */
export function withContainerFilters<const P extends Record<string, object>>(extra: P) {
  return { ...containerQuerySchema, properties: { ...containerQuerySchema.properties, ...extra } } as const;
}

/** A query parameter whose value is well-formed but means nothing valid. */
export class QueryError extends Error {
  constructor(readonly parameter: string, message: string) {
    super(message);
  }
}

export type ContainerFilter = (c: Container) => boolean;

export function containerFilter(q: ContainerQuery): ContainerFilter {
  const states = q.state ? new Set(q.state.split(',')) : undefined;
  let selector: Selector = [];
  try {
    selector = parseSelector(q.labelSelector ?? '');
  } catch (err) {
    if (err instanceof SelectorError) throw new QueryError('labelSelector', err.message);
    throw err;
  }
  return (c) =>
    (q.namespace === undefined || c.pod.namespace === q.namespace)
    && (q.pod === undefined || c.pod.name === q.pod)
    && (q.container === undefined || c.name === q.container)
    && (states === undefined || states.has(c.state))
    && (selector.length === 0 || matches(selector, { ...c.pod.labels, ...c.labels }));
}
