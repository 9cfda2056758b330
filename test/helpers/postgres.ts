// A PostgreSQL 15 for a test file, through scripts/upstream/pg-start.sh / pg-stop.sh (temporary
// directory, 127.0.0.1 only, an ordinary `evidock` role with a password file). Use with
// test/helpers/require.ts: `noPostgres()` is the reason to skip (or, strict, to fail).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export function noPostgres(): string | undefined {
  return fs.existsSync(path.join(PG_BIN, 'initdb')) ? undefined : `PostgreSQL 15 missing (${PG_BIN}/initdb; apt-get install postgresql-15)`;
}

export interface TestPostgres {
  dir: string; dsn: string; passwordFile: string;
  /** Stops the server, keeping its data (start() brings it back on the same port). */
  stop(): void;
  start(): void;
  /** psql as the superuser over the Unix socket. */
  psql(sql: string): string;
  /** Stops it and removes the directory. */
  destroy(): void;
}

export function startPostgres(): TestPostgres {
  const script = (name: string, args: string[]) => execFileSync('bash', [path.join(ROOT, 'scripts/upstream', name), ...args], { encoding: 'utf8' });
  const vars = Object.fromEntries(script('pg-start.sh', []).trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const dir = vars.EVIDOCK_PG_DIR!;
  const port = fs.readFileSync(path.join(dir, 'port'), 'utf8').trim();
  const asPg = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  return {
    dir, dsn: vars.EVIDOCK_PG_DSN!, passwordFile: vars.EVIDOCK_PG_PASSWORD_FILE!,
    stop: () => { script('pg-stop.sh', [dir, '--keep']); },
    start: () => { script('pg-start.sh', [dir]); },
    psql: (sql) => {
      const cmd = [...asPg, path.join(PG_BIN, 'psql'), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', port, '-U', 'postgres', '-d', 'evidock', '-c', sql];
      const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
      return r.stdout.trim();
    },
    destroy: () => { try { script('pg-stop.sh', [dir]); } catch { /* already gone */ } },
  };
}
