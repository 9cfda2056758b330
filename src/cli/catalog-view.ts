// `--catalog [--station a,b]` on report commands: before the command's action runs, the rows of the
// chosen stations are pulled from the central catalog into an in-memory custody database
// (src/upstream/catalog/snapshot.ts); openContext then hands that to the report instead of the
// station's own custody, after identifying and checking the caller against the station as usual.
// Any report that reads through openContext works across stations without code of its own.
import type { Command } from 'commander';
import type { Custody } from '../custody/index.js';
import { EXIT } from './exit.js';

const views = new WeakMap<Command, Custody>();

/** The catalog view attached to this command (by the preAction hook), if --catalog was given. */
export function catalogViewOf(cmd: Command): Custody | undefined {
  return views.get(cmd);
}

function optionUp(cmd: Command, name: string): unknown {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const v = c.opts()[name];
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * Adds --catalog and --station to a command (a group: every subcommand gets them). `load` yields
 * the configuration the command will use (the catalog DSN and password file come from it).
 */
export function addCatalogOptions(cmd: Command, load: (action: Command) => { upstream?: { catalog?: string | undefined; catalogPasswordFile?: string | undefined } | undefined }): void {
  cmd.option('--catalog', 'run against the central catalog: all stations (upstream.catalog)')
    .option('--station <names>', 'with --catalog: only these stations (comma-separated)');
  cmd.hook('preAction', async (_self, action) => {
    const station = optionUp(action, 'station') as string | undefined;
    if (!optionUp(action, 'catalog')) {
      if (station !== undefined) throw Object.assign(new Error('--station needs --catalog'), { exitCode: EXIT.usage });
      return;
    }
    const u = load(action).upstream;
    if (!u?.catalog) throw Object.assign(new Error('--catalog: upstream.catalog is not configured'), { exitCode: EXIT.usage });
    const { Catalog } = await import('../upstream/catalog/pg.js');
    const { pullSnapshot } = await import('../upstream/catalog/snapshot.js');
    const catalog = await Catalog.connect({ dsn: u.catalog, passwordFile: u.catalogPasswordFile });
    try {
      const snap = await pullSnapshot(catalog, station?.split(',').map((s) => s.trim()).filter(Boolean));
      views.set(action, snap.custody);
    } finally {
      await catalog.close();
    }
  });
}
