// Cleanup that must run however the bench ends: normally, on an error, or
// on Ctrl-C / SIGTERM (then every child is stopped by PID, and the
// containerd harness is torn down, before the bench exits).
import { stopAll } from './children.js';

const tasks: (() => Promise<void>)[] = [];

/** Registers `fn` to run at cleanup, last registered first; returns a function that unregisters it. */
export function onCleanup(fn: () => Promise<void>): () => void {
  tasks.push(fn);
  return () => {
    const i = tasks.indexOf(fn);
    if (i >= 0) tasks.splice(i, 1);
  };
}

export async function cleanup(): Promise<void> {
  await stopAll();
  while (tasks.length > 0) await tasks.pop()?.().catch((err: Error) => process.stderr.write(`cleanup: ${err.message}\n`));
}

export function cleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every process the bench started\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}
