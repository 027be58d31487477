// Ending a daemon the harness started: by its PID, politely first.
import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then SIGKILL when `exited` has not settled within `graceMs`. */
export async function terminate(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), graceMs); }),
  ]);
  clearTimeout(timer); // a pending timer would keep the test process alive
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}
