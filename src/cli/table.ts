// Tables for people, plain lines for pipes. On a terminal: a boxed table with a coloured header
// (no colour when NO_COLOR is set, https://no-color.org). Piped or redirected: one line per row,
// cells separated by tabs, no box characters and no escape codes, so `grep`/`cut` work. Every cell
// is escaped: text from a camera (file names, serials) must not drive the terminal or fake a row.
import Table from 'cli-table3';
import { escapeControl } from '../util/escape.js';

export type Cell = string | number | null | undefined;

export interface OutputStyle { tty: boolean; color: boolean }

export function outputStyle(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): OutputStyle {
  const tty = stream.isTTY === true;
  // NO_COLOR: any non-empty value turns colour off.
  return { tty, color: tty && !env.NO_COLOR && env.TERM !== 'dumb' };
}

const cellText = (c: Cell) => escapeControl(c === null || c === undefined ? '' : String(c));

/** Pure: the rendered table (with a trailing newline). */
export function renderTable(head: string[], rows: Cell[][], style: OutputStyle = outputStyle()): string {
  if (!style.tty) {
    // Tabs inside a cell would shift columns: shown escaped like the other control characters.
    return [head, ...rows.map((r) => r.map(cellText))].map((r) => r.join('\t')).join('\n') + '\n';
  }
  // The colour is ours, not cli-table3's (whose colour library decides by itself, ignoring NO_COLOR).
  const cyan = (h: string) => (style.color ? `\u001b[36m${h}\u001b[39m` : h);
  const t = new Table({ head: head.map(cyan), style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map(cellText));
  return `${t.toString()}\n`;
}

/** A line of free text for a person (alerts, summaries): escaped. */
export const plain = (text: string) => escapeControl(text);
