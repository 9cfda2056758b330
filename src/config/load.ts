// Finds and loads the configuration: --config FILE, else $EVIDOCK_CONFIG, else the embedded default.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, type Config, type Profile } from './schema.js';
import { BUILTIN_PROFILES } from '../profiles/builtin.js';
import { ConfigError } from './errors.js';
import { parseConfigText } from './validate.js';

export { ConfigError, type ConfigIssue } from './errors.js';
export { parseConfigText } from './validate.js';

/** `source` of a configuration that came from no file. */
export const EMBEDDED_SOURCE = 'embedded default';

export interface LoadedConfig {
  /** Validated, defaults applied; `dataDir` and `dock.roots` are absolute. */
  config: Config;
  /** Absolute path of the file, or EMBEDDED_SOURCE. */
  source: string;
  /** `config.profiles` when given, else the built-in profiles. */
  profiles: Profile[];
}

export interface LoadOptions {
  /** Explicit file (the global `--config`); wins over the environment. */
  file?: string;
  /** Defaults to process.env (read for EVIDOCK_CONFIG). */
  env?: NodeJS.ProcessEnv;
  /** Base for the embedded default's dataDir and for relative file names; defaults to process.cwd(). */
  cwd?: string;
}

/** Which file would be loaded, or undefined for the embedded default. */
export function configFileFor(opts: LoadOptions = {}): string | undefined {
  const env = opts.env ?? process.env;
  const file = opts.file || env.EVIDOCK_CONFIG || undefined;
  return file;
}

function finish(config: Config, baseDir: string, source: string): LoadedConfig {
  // Paths in a file mean the same thing whichever directory the daemon is started from.
  const resolved: Config = {
    ...config,
    dataDir: path.resolve(baseDir, config.dataDir),
    dock: {
      ...config.dock, roots: config.dock.roots.map((r) => path.resolve(baseDir, r)),
      ...(config.dock.loopBackingDir ? { loopBackingDir: path.resolve(baseDir, config.dock.loopBackingDir) } : {}),
    },
    audit: {
      ...config.audit, checkpointDirs: config.audit.checkpointDirs.map((d) => path.resolve(baseDir, d)),
      ...(config.audit.keyDir ? { keyDir: path.resolve(baseDir, config.audit.keyDir) } : {}),
    },
  };
  return { config: resolved, source, profiles: config.profiles ?? BUILTIN_PROFILES };
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const file = configFileFor(opts);
  if (file === undefined) return finish(configSchema.parse({}), cwd, EMBEDDED_SOURCE);

  const abs = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ConfigError([{ file, path: '', message: `cannot read configuration: ${why}` }]);
  }
  return finish(parseConfigText(text, file), path.dirname(abs), abs);
}

/** The configuration as evidock uses it, profiles filled in: what `config show` prints. */
export function effectiveConfig(loaded: LoadedConfig): Config & { profiles: Profile[] } {
  return { ...loaded.config, profiles: loaded.profiles };
}
