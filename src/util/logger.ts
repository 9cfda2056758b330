// winston: JSON lines under <dataDir>/logs for the record, readable lines on stderr for people
// (stderr so that `--json` output on stdout stays machine-readable).
import fs from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import { escapeControl } from './escape.js';

export type Logger = winston.Logger;

export interface LoggerOptions { dataDir: string; level?: string; console?: boolean; component?: string }

export function createLogger(opts: LoggerOptions): Logger {
  const dir = path.join(opts.dataDir, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const transports: winston.transport[] = [
    new winston.transports.File({
      filename: path.join(dir, 'evidock.log'),
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    }),
  ];
  if (opts.console !== false) {
    transports.push(new winston.transports.Console({
      stderrLevels: ['error', 'warn', 'info', 'debug'],
      format: winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss' }),
        winston.format.printf(({ timestamp, level, message, ...rest }) => {
          // Names and serials come from cameras: escaped, so no text can fake a log line or drive the terminal.
          const extra = Object.entries(rest)
            .filter(([k]) => k !== 'component')
            .map(([k, v]) => `${k}=${escapeControl(typeof v === 'string' ? v : JSON.stringify(v) ?? String(v))}`).join(' ');
          return `${String(timestamp)} ${level.padEnd(5)} ${escapeControl(String(message))}${extra ? ' ' + extra : ''}`;
        }),
      ),
    }));
  }
  return winston.createLogger({
    level: opts.level ?? 'info',
    defaultMeta: opts.component ? { component: opts.component } : {},
    transports,
  });
}

const ended = new WeakSet<Logger>();

/** True once flushLogger has ended it: a later write would throw (write after end). */
export function loggerEnded(logger: Logger): boolean {
  return ended.has(logger);
}

/** Resolves once every transport has written what it was given (call before exiting). */
export function flushLogger(logger: Logger): Promise<void> {
  ended.add(logger);
  return new Promise((resolve) => {
    const done = () => resolve();
    const timer = setTimeout(done, 3000);
    logger.on('finish', () => { clearTimeout(timer); setImmediate(done); });
    logger.end();
  });
}
