// A small Dockerfile reader: enough of the syntax (comments, line
// continuations, ARG defaults before FROM, JSON and shell forms) to reason
// about which stage does what. No engine can build images here, so the tests
// read the recipe and replay its steps instead.

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly index: number;
  readonly name?: string;
  /** The FROM image with global ARG defaults substituted. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARG defaults declared before the first FROM. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
  readonly all: readonly Instruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== '' && line.trimStart().startsWith('#')) return; // comments inside a continuation
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m) out.push({ keyword: (m[1] as string).toUpperCase(), args: (m[2] as string).trim(), line: start });
  });
  if (pending !== '') throw new Error('Dockerfile ends inside a line continuation');
  return out;
}

function substitute(value: string, args: Readonly<Record<string, string>>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[(a ?? b) as string] ?? '');
}

export function parseDockerfile(text: string): Dockerfile {
  const all = parseInstructions(text);
  const globalArgs: Record<string, string> = {};
  const stages: { index: number; name?: string; from: string; instructions: Instruction[] }[] = [];
  for (const ins of all) {
    const stage = stages[stages.length - 1];
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ index: stages.length, from: substitute(m[1] as string, globalArgs), instructions: [], ...(m[2] ? { name: m[2] } : {}) });
    } else if (stage !== undefined) {
      stage.instructions.push(ins);
    } else if (ins.keyword === 'ARG') {
      const [name, value = ''] = ins.args.split('=', 2) as [string, string?];
      globalArgs[name.trim()] = value.trim();
    } else {
      throw new Error(`line ${ins.line}: only ARG may come before the first FROM`);
    }
  }
  return { globalArgs, stages, all };
}

/** The JSON (exec) form of CMD/ENTRYPOINT, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

export interface Copy {
  readonly from?: string;
  readonly sources: readonly string[];
  readonly dest: string;
}

export function parseCopy(ins: Instruction): Copy {
  const words = ins.args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('--from=')) from = w.slice('--from='.length);
    else if (w.startsWith('--')) continue; // --chown, --chmod, --link
    else rest.push(w);
  }
  if (rest.length < 2) throw new Error(`line ${ins.line}: COPY needs a source and a destination`);
  return { ...(from ? { from } : {}), sources: rest.slice(0, -1), dest: rest[rest.length - 1] as string };
}

/** A stage's ENV settings; each ENV instruction must set one KEY=VALUE (the form the repository's Dockerfile keeps to). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'ENV') continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(ins.args.trim());
    if (!m) throw new Error(`line ${ins.line}: ENV ${ins.args}: one KEY=VALUE per line`);
    env[m[1] as string] = m[2] as string;
  }
  return env;
}

/** Debian names a library's package after its soname (libjemalloc.so.2 is in libjemalloc2); undefined for another kind of name. */
export function debianPackageOf(soname: string): string | undefined {
  const m = /^(lib[\w+-]+)\.so\.(\d+)$/.exec(soname);
  return m ? `${m[1]}${m[2]}` : undefined;
}

/** The `&&`-separated commands of a shell-form RUN. */
export function runCommands(ins: Instruction): string[] {
  return ins.args.split('&&').map((c) => c.trim().replace(/\s+/g, ' ')).filter((c) => c !== '');
}

/**
 * Whether a path of the build context survives .dockerignore (Docker's
 * rules, reduced to what a file of plain names and `*` needs: the last
 * matching pattern wins; `!` re-includes; a directory's rule covers its
 * contents).
 */
export function isInContext(path: string, dockerignore: string): boolean {
  const rules = dockerignore.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  let included = true;
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const pattern = (negate ? rule.slice(1) : rule).replace(/^\/+|\/+$/g, '');
    if (matches(pattern, path)) included = negate;
  }
  return included;
}

function matches(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}(/.*)?$`);
  return re.test(path.replace(/^\.\//, '').replace(/\/+$/, ''));
}
