// Readers for the JSON document runtimes put under the "info" key of verbose
// status answers. The runtime is not trusted: a missing, mistyped or
// malformed field reads as empty, never as an exception.

export type Doc = Readonly<Record<string, unknown>>;

/** The "info" document as an object; undefined when absent or not a JSON object. */
export function infoDoc(info: Readonly<Record<string, string>>): Doc | undefined {
  const text = info.info;
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function record(v: unknown): Doc {
  return isRecord(v) ? v : {};
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A PID: a positive integer, else 0. */
export function pidOf(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
