// Domain objects → the JSON shapes of the HTTP API, and the JSON schemas
// fastify serialises them with.
import type { Container, Snapshot } from '../poller/snapshot.js';

function isoOrNull(seconds: number): string | null {
  return seconds > 0 ? new Date(seconds * 1000).toISOString() : null;
}

export function containerView(c: Container) {
  return {
    id: c.id,
    name: c.name,
    attempt: c.attempt,
    state: c.state,
    createdAt: isoOrNull(c.createdAt),
    startedAt: isoOrNull(c.startedAt),
    finishedAt: isoOrNull(c.finishedAt),
    exitCode: c.exitCode,
    image: c.image,
    imageRef: c.imageRef,
    pod: {
      name: c.pod.name,
      namespace: c.pod.namespace,
      uid: c.pod.uid,
      sandboxId: c.pod.sandboxId,
      runtimeHandler: c.pod.runtimeHandler,
    },
    logPath: c.logPath,
    logFormat: c.logFormat,
    writableLayer: c.writableLayer,
    labels: c.labels,
    runtime: c.runtime,
  };
}

export function runtimeView(s: Snapshot) {
  return {
    name: s.runtime.name,
    type: s.runtime.type,
    version: s.runtime.version,
    apiVersion: s.runtime.apiVersion,
    criApiVersion: s.runtime.criApiVersion,
    endpoint: s.runtime.endpoint,
    nodeName: s.runtime.nodeName,
    kubernetes: s.runtime.kubernetes,
    conditions: s.conditions,
    lastPoll: {
      at: isoOrNull(s.takenAt),
      ok: s.ok,
      lastSuccessAt: isoOrNull(s.lastSuccessAt),
      errors: s.errors,
    },
  };
}

const str = { type: 'string' } as const;
const nullableTime = { type: ['string', 'null'] } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const containerSchema = {
  type: 'object',
  required: ['id', 'name', 'attempt', 'state', 'pod', 'logPath', 'writableLayer', 'runtime'],
  properties: {
    id: str,
    name: str,
    attempt: { type: 'integer' },
    state: { type: 'string', enum: ['created', 'running', 'exited', 'unknown'] },
    createdAt: nullableTime,
    startedAt: nullableTime,
    finishedAt: nullableTime,
    exitCode: { type: 'integer' },
    image: str,
    imageRef: str,
    pod: {
      type: 'object',
      properties: { name: str, namespace: str, uid: str, sandboxId: str, runtimeHandler: str },
    },
    logPath: str,
    logFormat: { type: 'string', enum: ['cri', 'docker-json'] },
    writableLayer: {
      type: 'object',
      properties: { mergedDir: str, upperDir: str, source: str, complete: { type: 'boolean' } },
    },
    labels: stringMap,
    runtime: { type: 'object', properties: { name: str, version: str } },
  },
} as const;

const partErrors = {
  type: 'array',
  items: { type: 'object', properties: { part: str, message: str } },
} as const;

export const runtimeSchema = {
  type: 'object',
  properties: {
    name: str, type: str, version: str, apiVersion: str, criApiVersion: str, endpoint: str, nodeName: str,
    kubernetes: { type: 'object', properties: { containerRuntimeVersion: str, agrees: { type: 'boolean' } } },
    conditions: {
      type: 'array',
      items: { type: 'object', properties: { type: str, status: { type: 'boolean' }, reason: str, message: str } },
    },
    lastPoll: {
      type: 'object',
      properties: { at: nullableTime, ok: { type: 'boolean' }, lastSuccessAt: nullableTime, errors: partErrors },
    },
  },
} as const;

export const errorSchema = {
  type: 'object',
  properties: { error: str, parameter: str, message: str },
} as const;
