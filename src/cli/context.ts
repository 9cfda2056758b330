// What every command that touches custody needs: the loaded config, the database, the store, a logger.
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { CUSTODY_DB_FILE, openCustody, type Custody } from '../custody/index.js';
import { EXIT } from './exit.js';
import { ObjectStore } from '../store/index.js';
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

/** custody.db is not a database (or a damaged one): an integrity problem, exit 3. */
export class CustodyDamagedError extends Error {
  readonly exitCode = EXIT.integrity;
  constructor(file: string, cause: Error) {
    super(`${file} is damaged and cannot be read (${cause.message}): custody is not intact; restore it from a backup`);
    this.name = 'CustodyDamagedError';
  }
}

const DAMAGED = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

export function openCustodyChecked(dataDir: string): Custody {
  try {
    return openCustody(dataDir);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGED.has(code)) throw new CustodyDamagedError(path.join(dataDir, CUSTODY_DB_FILE), err as Error);
    throw err;
  }
}

export function openContext(cmd: Command, opts: { console?: boolean; component?: string } = {}): Context {
  const loaded = loadConfig({ file: configFileOf(cmd) });
  const { dataDir } = loaded.config;
  const logger = createLogger({ dataDir, level: loaded.config.log.level, console: opts.console, component: opts.component ?? cmd.name() });
  const custody = openCustodyChecked(dataDir);
  const store = new ObjectStore(path.join(dataDir, 'store'));
  return {
    loaded, custody, store, logger,
    async close() { custody.close(); await flushLogger(logger); },
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
