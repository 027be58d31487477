// End-to-end tests need root and real daemons. In CI (CI=true) a missing
// precondition is a failure; elsewhere the test is skipped with a loud notice
// so that nobody mistakes a skipped run for a green one.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Returns the reason the e2e suite cannot run here, or undefined when it can. */
export function missingPreconditions(binaries: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  const missing = binaries.filter((b) => findBinary(b) === undefined);
  if (missing.length > 0) return `missing binaries: ${missing.join(', ')}`;
  return undefined;
}

/**
 * Value for node:test's `skip` option. Throws in CI so the suite fails
 * instead of skipping; prints a banner elsewhere.
 */
export function e2eSkip(suite: string, binaries: readonly string[]): string | false {
  return e2eSkipFor(suite, missingPreconditions(binaries));
}

/** As e2eSkip, for a precondition of another kind: `reason` says what is missing, undefined when nothing is. */
export function e2eSkipFor(suite: string, reason: string | undefined): string | false {
  if (reason === undefined) return false;
  if (process.env.CI === 'true') {
    throw new Error(`${suite}: cannot run in CI: ${reason}`);
  }
  const msg = `SKIPPING END-TO-END SUITE "${suite}": ${reason} (it runs in CI)`;
  process.stderr.write(`\n${'!'.repeat(msg.length)}\n${msg}\n${'!'.repeat(msg.length)}\n\n`);
  return msg;
}
