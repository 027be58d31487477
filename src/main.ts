#!/usr/bin/env node
// Wiring only: argv → Config → the command. Usage errors exit 2, runtime
// errors exit 1, each as one line on stderr naming the problem and the fix.
import { containersCommand } from './cli/containers-command.js';
import { StartupError } from './cli/errors.js';
import { serve } from './cli/serve.js';
import { ConfigError, loadConfig, usage, type Config } from './config.js';
import { productVersion } from './version.js';

async function run(config: Config): Promise<void> {
  if (config.help) {
    process.stdout.write(usage());
    return;
  }
  switch (config.command) {
    case 'version':
      process.stdout.write(`cri-exporter ${productVersion()} (node ${process.version})\n`);
      return;
    case 'containers':
      await containersCommand(config, process.stdout);
      return;
    case 'serve': {
      const { close } = await serve(config);
      const shutdown = (signal: string) => {
        process.stderr.write(`received ${signal}, shutting down\n`);
        const force = setTimeout(() => process.exit(1), 5000);
        force.unref();
        void close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      return;
    }
  }
}

function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`cri-exporter: ${err.message}\n`);
    process.exit(2);
  }
  const message = err instanceof StartupError ? err.message : (err as Error).stack ?? String(err);
  process.stderr.write(`cri-exporter: ${message}\n`);
  process.exit(err instanceof StartupError ? err.exitCode : 1);
}

try {
  await run(loadConfig(process.argv.slice(2))).catch(fail);
} catch (err) {
  fail(err);
}
