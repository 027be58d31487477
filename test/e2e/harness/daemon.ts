// Starting a daemon the harness owns, with its output appended to a log
// file, and ending it: by its PID, politely first.
import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface Spawned {
  readonly child: ChildProcess;
  /** Settles once the daemon has exited, saying how. */
  readonly exited: Promise<string>;
}

/**
 * Starts `command` with its stdout and stderr appended to `logFile`; resolves
 * once the process exists, rejects when it cannot be started. The test
 * process does not wait for it to exit.
 */
export async function spawnDaemon(command: string, args: readonly string[], logFile: string): Promise<Spawned> {
  const log = await open(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', log.fd, log.fd] });
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`)));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot start ${command}: ${err.message}`)));
    });
    child.unref();
    return { child, exited };
  } finally {
    await log.close();
  }
}

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
