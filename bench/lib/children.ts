// Every process the bench starts goes through here, so that each one is
// tracked by PID and ended by PID: on success, on error and on Ctrl-C.
import { fork, type ChildProcess } from 'node:child_process';
import type { Message } from './ipc.js';

const live = new Set<ChildProcess>();

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the child's `result` message; rejects if it exits without one. */
  readonly result: Promise<Record<string, unknown>>;
  /** Answers the child's questions (see ipc.ts `ask`). */
  onAsk(handler: (m: Message) => Promise<Record<string, unknown>> | Record<string, unknown>): void;
  /** Waits for the first message of this type. */
  next(type: string, timeoutMs: number): Promise<Message>;
  /** Sends `m` and waits for the child's answer (a message with the same id). */
  ask(m: Message): Promise<Message>;
  send(m: Message): void;
  stop(): Promise<void>;
  output(): string;
}

/** Starts `script` (a compiled .js file) with Node, one JSON options argument and an IPC channel. */
export function startChild(script: string, options: object, nodeArgs: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Child {
  const proc = fork(script, [JSON.stringify(options)], { execArgv: [...nodeArgs], env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  if (proc.pid === undefined) throw new Error(`cannot start ${script}`);
  live.add(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const waiters: { type: string; resolve: (m: Message) => void }[] = [];
  let handler: ((m: Message) => Promise<Record<string, unknown>> | Record<string, unknown>) | undefined;
  const asked = new Map<number, (m: Message) => void>();
  let askId = 1;
  let resolveResult: (r: Record<string, unknown>) => void = () => undefined;
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    resolveResult = resolve;
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      reject(new Error(`${script} exited (${signal ?? code}) without a result:\n${out.slice(-3000)}`));
    });
  });
  result.catch(() => undefined);
  proc.on('message', (m: Message) => {
    if (m.type === 'result') return resolveResult(m.result as Record<string, unknown>);
    const answered = m.type.endsWith(':answer') && m.id !== undefined ? asked.get(m.id) : undefined;
    if (answered && m.id !== undefined) {
      asked.delete(m.id);
      return answered(m);
    }
    const w = waiters.findIndex((x) => x.type === m.type);
    if (w >= 0) return waiters.splice(w, 1)[0]?.resolve(m);
    if (handler && m.id !== undefined) {
      void Promise.resolve(handler(m)).then((answer) => {
        if (proc.connected) proc.send({ ...answer, type: `${m.type}:answer`, id: m.id });
      });
    }
  });
  return {
    pid: proc.pid,
    process: proc,
    result,
    onAsk: (h) => { handler = h; },
    next: (type, timeoutMs) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no "${type}" within ${timeoutMs} ms:\n${out.slice(-3000)}`)), timeoutMs);
      proc.once('exit', () => { clearTimeout(timer); reject(new Error(`${script} exited before "${type}":\n${out.slice(-3000)}`)); });
      waiters.push({ type, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    }),
    ask: (m) => new Promise((resolve, reject) => {
      if (!proc.connected) return reject(new Error(`${script} is gone`));
      const id = askId++;
      asked.set(id, resolve);
      proc.send({ ...m, id });
    }),
    send: (m) => { if (proc.connected) proc.send(m); },
    stop: () => stopProcess(proc),
    output: () => out,
  };
}

/** SIGTERM by PID, SIGKILL after 5 s. */
export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    live.delete(proc);
    return;
  }
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  live.delete(proc);
}

/** Registers a process started elsewhere (e.g. the agent CLI) so that cleanup ends it. */
export function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}

/** Ends every process still running that the bench started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopProcess(p)));
}
