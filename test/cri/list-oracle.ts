// The four list answers, each with its hand-written decoder and the path it
// replaced: protobufjs with the agent's 'reader' proto, then convert.ts. The
// old path is the oracle the tests hold the new one to.
import * as convert from '../../src/cri/convert.js';
import {
  decodeListContainers, decodeListContainerStats, decodeListPodSandbox, decodeListPodSandboxStats,
} from '../../src/cri/list-decoders.js';
import { readerProtobufjsDecoder } from '../../src/cri/proto.js';
import type { ApiVersion } from '../../src/cri/types.js';

export const LIST_METHODS = ['ListContainers', 'ListPodSandbox', 'ListContainerStats', 'ListPodSandboxStats'] as const;
export type ListMethod = (typeof LIST_METHODS)[number];

const HAND: Record<ListMethod, (bytes: Uint8Array) => unknown[]> = {
  ListContainers: decodeListContainers,
  ListPodSandbox: decodeListPodSandbox,
  ListContainerStats: decodeListContainerStats,
  ListPodSandboxStats: decodeListPodSandboxStats,
};

const CONVERT: Record<ListMethod, (r: unknown) => unknown[]> = {
  ListContainers: convert.toContainerSummaries,
  ListPodSandbox: convert.toPodSandboxes,
  ListContainerStats: convert.toContainerUsages,
  ListPodSandboxStats: convert.toPodSandboxUsages,
};

export function hand(method: ListMethod, bytes: Uint8Array): unknown[] {
  return HAND[method](bytes);
}

/** What the agent made of these bytes before the hand-written decoders. */
export function oracle(method: ListMethod, bytes: Buffer, version: ApiVersion = 'v1'): unknown[] {
  return CONVERT[method](readerProtobufjsDecoder(version, method)(bytes));
}
