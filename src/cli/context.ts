// What every command that touches custody needs: the loaded config, the database, the store, a logger.
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { openCustody, type Custody } from '../custody/index.js';
import { ObjectStore } from '../store/index.js';
import { maybeCheckpoint } from '../audit/checkpoints.js';
import { createLogger, flushLogger, type Logger } from '../util/logger.js';

export interface Context { loaded: LoadedConfig; custody: Custody; store: ObjectStore; logger: Logger; close(): Promise<void> }

/** The global --config option, wherever the subcommand sits in the tree. */
export function configFileOf(cmd: Command): string | undefined {
  let c: Command | null = cmd;
  while (c) {
    const v = c.opts().config as string | undefined;
    if (v) return v;
    c = c.parent;
  }
  return undefined;
}

export function openContext(cmd: Command, opts: { console?: boolean; component?: string; action?: string } = {}): Context {
  const loaded = loadConfig({ file: configFileOf(cmd) });
  const { dataDir } = loaded.config;
  const logger = createLogger({ dataDir, level: loaded.config.log.level, console: opts.console, component: opts.component ?? cmd.name() });
  const custody = openCustody(dataDir);
  const store = new ObjectStore(path.join(dataDir, 'store'));
  return {
    loaded, custody, store, logger,
    async close() {
      // Every audit.checkpointEvery entries a signed checkpoint leaves the database, whoever appended them.
      try { maybeCheckpoint(custody, loaded.config, logger); } catch (err) { logger.warn(`audit checkpoint: ${(err as Error).message}`); }
      custody.close();
      await flushLogger(logger);
    },
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
