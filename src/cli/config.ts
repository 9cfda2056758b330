// `evidock config check|show`: validate the configuration and print what evidock will use.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError, configFileFor, effectiveConfig, EMBEDDED_SOURCE, loadConfig, type LoadedConfig } from '../config/load.js';
import { BUILTIN_PROFILES } from '../profiles/builtin.js';
import { EXIT } from './exit.js';
import { openContext, printJson } from './context.js';
import { syncRoster } from '../access/roster-sync.js';

function summary(loaded: LoadedConfig) {
  const { config, profiles, source } = loaded;
  return {
    ok: true as const,
    source,
    dataDir: config.dataDir,
    profiles: profiles.map((p) => p.name),
    builtinProfiles: profiles === BUILTIN_PROFILES,
    officers: config.officers.length,
    devices: config.devices.length,
  };
}

function printSummary(loaded: LoadedConfig): void {
  const s = summary(loaded);
  const lines = [
    `OK: ${s.source}`,
    `  dataDir:  ${s.dataDir}`,
    `  profiles: ${s.profiles.join(', ')}${s.builtinProfiles ? ' (built-in)' : ''}`,
    `  officers: ${s.officers}`,
    `  devices:  ${s.devices}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerConfigCommands(program: Command): void {
  const group = program.command('config').description('validate and inspect the configuration');
  const file = () => program.opts().config as string | undefined;

  group.command('check')
    .description('validate the configuration; errors as file:line:col: key: message')
    .option('--json', 'machine-readable result')
    .action((opts: { json?: boolean }) => {
      let loaded: LoadedConfig;
      try {
        loaded = loadConfig({ file: file() });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (opts.json) {
          const source = configFileFor({ file: file() }) ?? EMBEDDED_SOURCE;
          process.stdout.write(`${JSON.stringify({ ok: false, source, errors: err.issues }, null, 2)}\n`);
        } else {
          const n = err.issues.length;
          process.stderr.write(`${err.message}\n${n} configuration problem${n === 1 ? '' : 's'}\n`);
        }
        process.exitCode = EXIT.usage;
        return;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(summary(loaded), null, 2)}\n`);
      else printSummary(loaded);
    });

  group.command('apply')
    .description('sync units, officers and roster devices from the YAML into custody (each change audited; removed → inactive)')
    .option('--json', 'print the changes as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'config', action: 'config.apply' });
      try {
        const changes = syncRoster(ctx.custody, ctx.loaded.config, ctx.logger);
        if (opts.json) printJson({ changes });
        else process.stdout.write(`${changes.map((c) => `${c.kind} ${c.key}: ${c.change}\n`).join('')}${changes.length} change(s)\n`);
      } finally {
        await ctx.close();
      }
    });

  group.command('show')
    .description('print the effective configuration (defaults applied, paths resolved) as YAML')
    .option('--json', 'print JSON instead of YAML')
    .action((opts: { json?: boolean }) => {
      // A ConfigError propagates to main.ts, which prints it and exits 2.
      const loaded = loadConfig({ file: file() });
      const effective = effectiveConfig(loaded);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ source: loaded.source, config: effective }, null, 2)}\n`);
      } else {
        process.stdout.write(`# source: ${loaded.source}\n${stringify(effective, { lineWidth: 0 })}`);
      }
    });
}
