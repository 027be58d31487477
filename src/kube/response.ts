// An API server's HTTP answer → the JSON object, or the reason it failed.
// Errors come as a metav1.Status object whose message says what went wrong
// ("nodes \"x\" is forbidden: ..."), which is worth more than the status code.

export type Decoded = { readonly ok: true; readonly value: object } | { readonly ok: false; readonly detail: string };

const MAX_DETAIL = 300;

export function decodeResponse(status: number, body: Buffer): Decoded {
  const text = body.toString('utf8');
  if (status < 200 || status > 299) return { ok: false, detail: statusMessage(text) ?? (firstLine(text) || 'no message') };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, detail: `response is not JSON (${(err as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, detail: 'response is not a JSON object' };
  return { ok: true, value };
}

/** The message of a Status object, or undefined when the body is something else (a proxy's HTML page, say). */
function statusMessage(text: string): string | undefined {
  try {
    const s = JSON.parse(text) as { kind?: unknown; message?: unknown; reason?: unknown };
    if (s?.kind !== 'Status') return undefined;
    if (typeof s.message === 'string' && s.message !== '') return firstLine(s.message);
    return typeof s.reason === 'string' && s.reason !== '' ? s.reason : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').slice(0, MAX_DETAIL);
}
