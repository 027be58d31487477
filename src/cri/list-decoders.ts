// The four list answers a poll receives, decoded from wire bytes straight to
// domain values. They are most of what a poll receives (about 2.6 MB at 1000
// containers), and going through protobufjs's message objects, a Long per
// 64-bit integer and a wrapper object per counter, then through convert.ts,
// cost two to three times the CPU and three times the allocation of reading
// the bytes directly (bench/decode.ts measures both). The result equals
// convert.ts's result for the same bytes, rows without an id dropped alike
// (test/cri/list-decoders*.test.ts hold them to that).
import { readContainerStats } from './decode-container-usage.js';
import { readPodSandboxStats } from './decode-pod-usage.js';
import { readContainer, readPodSandbox } from './decode-summaries.js';
import type { RowMemo } from './row-memo.js';
import type { StringPool } from './string-pool.js';
import type { ContainerSummary, ContainerUsage, PodSandbox, PodSandboxUsage } from './types.js';
import { FIELDS } from './wire-fields.js';
import { fieldMask, LEN, tagOf, WireReader } from './wire-reader.js';

type RowReader<T> = (r: WireReader, end: number) => T;

/**
 * A list answer: one repeated message field of rows, each kept when it has
 * an id. With a memo, rows whose bytes are those of the last answer's are
 * its values again (row-memo.ts); with a pool, so are the strings that
 * recur in changing rows (string-pool.ts).
 */
function decodeRows<T extends { readonly id: string }>(
  bytes: Uint8Array, method: string, field: number, readRow: RowReader<T>, memo?: RowMemo<T>, pool?: StringPool,
): T[] {
  const r = new WireReader(bytes, `${method} answer`, pool);
  const rowTag = tagOf(field, LEN);
  const readMask = fieldMask(field);
  const rows: T[] = [];
  memo?.begin();
  pool?.begin();
  while (r.pos < r.len) {
    const tag = r.tag();
    if (tag !== rowTag) {
      r.skip(tag, readMask);
      continue;
    }
    const end = r.end();
    const row = memo === undefined ? readRow(r, end) : memo.row(r, end, readRow);
    if (row.id !== '') rows.push(row);
  }
  memo?.done();
  pool?.done();
  return rows;
}

export function decodeListContainers(bytes: Uint8Array, memo?: RowMemo<ContainerSummary>): ContainerSummary[] {
  return decodeRows(bytes, 'ListContainers', FIELDS.ListContainersResponse.containers, readContainer, memo);
}

export function decodeListPodSandbox(bytes: Uint8Array, memo?: RowMemo<PodSandbox>): PodSandbox[] {
  return decodeRows(bytes, 'ListPodSandbox', FIELDS.ListPodSandboxResponse.items, readPodSandbox, memo);
}

export function decodeListContainerStats(bytes: Uint8Array, pool?: StringPool): ContainerUsage[] {
  return decodeRows(bytes, 'ListContainerStats', FIELDS.ListContainerStatsResponse.stats, readContainerStats, undefined, pool);
}

/** `withContainers` false leaves each pod's `containers` empty, stepping over most of the answer. */
export function decodeListPodSandboxStats(bytes: Uint8Array, withContainers = true, pool?: StringPool): PodSandboxUsage[] {
  const readRow = (r: WireReader, end: number) => readPodSandboxStats(r, end, withContainers);
  return decodeRows(bytes, 'ListPodSandboxStats', FIELDS.ListPodSandboxStatsResponse.stats, readRow, undefined, pool);
}

/** The decoders by RuntimeService method, for the 'reader' proto to install (proto.ts). */
export const LIST_DECODERS: ReadonlyMap<string, (bytes: Buffer) => unknown> = new Map<string, (bytes: Buffer) => unknown>([
  ['ListContainers', decodeListContainers],
  ['ListPodSandbox', decodeListPodSandbox],
  ['ListContainerStats', decodeListContainerStats],
  ['ListPodSandboxStats', (bytes: Buffer) => decodeListPodSandboxStats(bytes)],
]);
