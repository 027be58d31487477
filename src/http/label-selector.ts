// Kubernetes label selectors ("app=web,tier!=db,env in (a,b),!legacy"), so
// operators filter containers the way they filter pods with kubectl -l.

export type Requirement =
  | { readonly op: 'exists' | 'notexists'; readonly key: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] };

export type Selector = readonly Requirement[];

export class SelectorError extends Error {}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function parseSelector(text: string): Selector {
  if (text.trim() === '') return [];
  return splitTopLevel(text).map(parseRequirement);
}

/** Splits on commas that are not inside a parenthesised value list. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0 || depth > 1) throw new SelectorError(`unbalanced parentheses at position ${i + 1}`);
  }
  if (depth !== 0) throw new SelectorError('unbalanced parentheses');
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function parseRequirement(part: string): Requirement {
  if (part === '') throw new SelectorError('empty requirement');
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = (set[3] as string).split(',').map((v) => v.trim());
    return { op: set[2] as 'in' | 'notin', key: checkKey(set[1] as string), values: values.map(checkValue) };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eq) {
    const op = eq[2] === '!=' ? 'notin' : 'in';
    return { op, key: checkKey(eq[1] as string), values: [checkValue(eq[3] as string)] };
  }
  if (part.startsWith('!')) return { op: 'notexists', key: checkKey(part.slice(1).trim()) };
  return { op: 'exists', key: checkKey(part) };
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value)) throw new SelectorError(`invalid label value "${value}"`);
  return value;
}

export function matches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => {
    const v = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists': return v !== undefined;
      case 'notexists': return v === undefined;
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
    }
  });
}
