// A gzip response body assembled from parts compressed apart: each
// family's deflate data ends in a sync flush rather than a final block, so
// that they follow one another in one member; the agent's own families,
// compressed per scrape, end it. One member because curl, for one, reads
// only the first member of a multi-member body.
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { crc32Concat } from './crc32-concat.js';

/**
 * Exposition text is repetitive enough that zlib's fastest level gives up
 * little: at 1000 containers it compresses 5.8 MB in about half the CPU of
 * the default level, for ~3 % more bytes on the wire.
 */
const FAMILY_OPTIONS = { level: constants.Z_BEST_SPEED, finishFlush: constants.Z_SYNC_FLUSH };

/** A family's text as deflate data that another part can follow. */
export function deflateFamily(text: Buffer): Buffer {
  return deflateRawSync(text, FAMILY_OPTIONS);
}

/** A part of the member: its deflate data, and the CRC-32 and length of its text. */
export interface MemberPart {
  readonly deflated: Buffer;
  readonly crc: number;
  readonly bytes: number;
}

/** The start of one gzip member: the header and the parts' deflate data. */
export interface Deflated {
  readonly head: Buffer;
  /** CRC-32 and length of the uncompressed text, for the trailer. */
  readonly crc: number;
  readonly bytes: number;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** The last member made from each head: scrapes between two changes to the tail send the same chunks. */
const members = new WeakMap<Deflated, { readonly tail: Buffer; readonly chunks: readonly Buffer[] }>();

/**
 * Joined once per snapshot: a response of one chunk per family (dozens) is
 * written as that many writes, which cost scrapes a third of their speed.
 * The CRC is joined from the parts' own, as a part kept from an earlier
 * snapshot no longer has its text.
 */
export function joinMember(parts: readonly MemberPart[]): Deflated {
  let crc = 0;
  let bytes = 0;
  for (const p of parts) {
    crc = crc32Concat(crc, p.crc, p.bytes);
    bytes += p.bytes;
  }
  return { head: Buffer.concat([GZIP_HEADER, ...parts.map((p) => p.deflated)]), crc, bytes };
}

/**
 * The chunks of a gzip response: the cached head, then `tail` (a few KiB)
 * compressed as the final block, and the trailer, a CRC-32 over the tail.
 * Made once per head and tail: the tail (the agent's own families) changes
 * at most once a second, and a scrape in between allocates and checksums
 * nothing here.
 */
export function gzipMember(head: Deflated, tail: Buffer): readonly Buffer[] {
  const last = members.get(head);
  if (last !== undefined && last.tail === tail) return last.chunks;
  const compressed = deflateRawSync(tail, { level: constants.Z_BEST_SPEED });
  const trailer = Buffer.alloc(8);
  // zlib's crc32 answers 0 for a null data pointer, which an empty Buffer may have.
  trailer.writeUInt32LE(tail.length === 0 ? head.crc : crc32(tail, head.crc), 0);
  trailer.writeUInt32LE((head.bytes + tail.length) % 2 ** 32, 4);
  const chunks = [head.head, compressed, trailer];
  members.set(head, { tail, chunks });
  return chunks;
}
