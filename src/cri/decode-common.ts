// Small messages that several list rows share: label maps, UInt64Value
// wrappers and the attributes of a stats row.
import { FIELDS } from './wire-fields.js';
import { fieldMask, LEN, tagOf, VARINT, type WireReader } from './wire-reader.js';

const ENTRY = FIELDS.MapEntry;
const ENTRY_KEY = tagOf(ENTRY.key, LEN);
const ENTRY_VALUE = tagOf(ENTRY.value, LEN);
const ENTRY_READ = fieldMask(ENTRY.key, ENTRY.value);

/**
 * One map<string, string> entry, added to `into`. An entry missing its key
 * or value means ''; a later entry for a key wins, keeping the key's first
 * position; and plain assignment drops a "__proto__" key just as the copy in
 * convert.ts does.
 */
export function readLabel(r: WireReader, end: number, into: Record<string, string>): void {
  let key = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === ENTRY_KEY) key = r.string();
    else if (tag === ENTRY_VALUE) value = r.string();
    else r.skip(tag, ENTRY_READ);
  }
  r.finish(end);
  into[key] = value;
}

const WRAPPED = tagOf(FIELDS.UInt64Value.value, VARINT);
const WRAPPED_READ = fieldMask(FIELDS.UInt64Value.value);

/** A UInt64Value: present without a value means 0; the caller keeps absence as undefined. */
export function readWrapped(r: WireReader, end: number): number {
  let value = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === WRAPPED) value = r.uint64();
    else r.skip(tag, WRAPPED_READ);
  }
  r.finish(end);
  return value;
}

/**
 * A message of which only one string field is read (a stats row's
 * attributes, an ImageSpec, a FilesystemIdentifier); '' when absent, the
 * last copy when repeated. `pooled`: a string that recurs poll after poll,
 * taken from the reader's pool (see string-pool.ts).
 */
export function readStringField(r: WireReader, end: number, field: number, pooled = false): string {
  const wanted = tagOf(field, LEN);
  const readMask = fieldMask(field);
  let value = '';
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === wanted) value = pooled ? r.pooledString() : r.string();
    else r.skip(tag, readMask);
  }
  r.finish(end);
  return value;
}

/** The attributes of a container or pod stats row: only the id is read. */
export function readAttributesId(r: WireReader, end: number): string {
  // ContainerAttributes and PodSandboxAttributes both number their id 1 (test/cri/wire-fields.test.ts holds them to it).
  return readStringField(r, end, FIELDS.ContainerAttributes.id, true);
}
