// Output for people and for pipes (issue 7): tables and colour only on a terminal, NO_COLOR
// honoured, piped output plain; text from cameras escaped in logs and tables (defect 14).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputStyle, renderTable } from '../../src/cli/table.js';
import { runCli } from '../helpers/cli.js';
import { makeRandomVolume, tempDir, writeConfig } from '../helpers/volumes.js';

const ESC = '\u001b';

describe('renderTable', () => {
  const head = ['id', 'source'];
  const rows = [[1, `DCIM/a${ESC}[2J\nforged\trow.JPG`]];
  it('piped: tab-separated lines, no box, no escape codes, control characters shown escaped', () => {
    const out = renderTable(head, rows, { tty: false, color: false });
    expect(out).toBe('id\tsource\n1\tDCIM/a\\e[2J\\nforged\\trow.JPG\n');
  });
  it('on a terminal: a table with a coloured header', () => {
    const out = renderTable(head, rows, { tty: true, color: true });
    expect(out).toContain('┌');
    expect(out).toContain(`${ESC}[36mid`);
    expect(out).toContain('DCIM/a\\e[2J\\nforged\\trow.JPG');
  });
  it('on a terminal with NO_COLOR: the table without colour', () => {
    const style = outputStyle({ isTTY: true }, { NO_COLOR: '1' });
    expect(style).toEqual({ tty: true, color: false });
    const out = renderTable(head, rows, style);
    expect(out).toContain('┌');
    expect(out).not.toContain(ESC);
  });
  it.each([[{ isTTY: false }, {}, { tty: false, color: false }], [{ isTTY: true }, {}, { tty: true, color: true }],
    [{ isTTY: true }, { TERM: 'dumb' }, { tty: true, color: false }], [{}, {}, { tty: false, color: false }]] as const)(
    'outputStyle(%j, %j) = %j', (stream, env, want) => expect(outputStyle(stream, env)).toEqual(want));
});

describe('the CLI, piped', () => {
  const dir = tempDir('output');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('no fake log lines and no terminal codes from a hostile path; plain tables', () => {
    const cfg = writeConfig(dir);
    const cam = path.join(dir, `cam${ESC}]0;owned\u0007\n12:00:00 error FORGED`);
    makeRandomVolume(cam, { serial: 'OUT0001', sizes: [1000] });
    const r = runCli(['--config', cfg.file, 'ingest', cam]);
    expect(r.code, r.stderr).toBe(0);
    for (const stream of [r.stdout, r.stderr]) {
      expect(stream).not.toContain(ESC);
      expect(stream).not.toContain('\u0007');
      expect(stream.split('\n').some((l) => l.startsWith('12:00:00 error FORGED'))).toBe(false);
    }
    expect(r.stderr).toContain('\\n12:00:00 error FORGED');
    const list = runCli(['--config', cfg.file, 'recordings', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^id\tdevice\tbadge\t/);
    expect(list.stdout).not.toMatch(/[┌│└]/);
    expect(list.stdout).not.toContain(ESC);
    const sessions = runCli(['--config', cfg.file, 'sessions', 'list']);
    expect(sessions.stdout.split('\n')[1]).toMatch(/^\d+\tOUT0001\tcomplete\t/);
  });
});
