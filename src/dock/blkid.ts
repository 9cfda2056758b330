// File-system detection with `blkid -p -o export`: a pure parser and a thin adapter.
import { run, ToolError } from './exec.js';

export interface FsInfo {
  device?: string;
  fstype?: string;
  label?: string;
  uuid?: string;
  /** PART_ENTRY_UUID: the partition's UUID when the device is a partition. */
  partUuid?: string;
  version?: string;
  usage?: string;
  /** Partition-table type (dos, gpt) when the device holds one. */
  partitionTable?: string;
}

/** `-o export` escapes shell specials with a backslash (`LABEL=MY\ CAM`). */
function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

/** Parses `blkid -o export` output: one record per device, records separated by blank lines. */
export function parseBlkidExport(text: string): Record<string, string>[] {
  const records: Record<string, string>[] = [];
  let cur: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') { cur = undefined; continue; }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    if (!cur) { cur = {}; records.push(cur); }
    cur[line.slice(0, eq)] = unescape(line.slice(eq + 1));
  }
  return records;
}

export function fsInfoFromBlkid(rec: Record<string, string>): FsInfo {
  const info: FsInfo = {
    device: rec.DEVNAME,
    fstype: rec.TYPE,
    label: rec.LABEL ?? rec.LABEL_FATBOOT,
    uuid: rec.UUID,
    partUuid: rec.PART_ENTRY_UUID,
    version: rec.VERSION,
    usage: rec.USAGE,
    // An exFAT boot sector ends in 55AA, so blkid also reports PTTYPE=dos for it: TYPE wins.
    partitionTable: rec.PTTYPE,
  };
  for (const k of Object.keys(info) as (keyof FsInfo)[]) if (info[k] === undefined) delete info[k];
  return info;
}

/**
 * Probes a device's file system. Uses `-p` (low-level probe) on purpose: plain `blkid` answers
 * from /run/blkid/blkid.tab, which keeps the previous camera's file system when a device
 * name (/dev/sda1, /dev/loop0) is reused. Resolves undefined when nothing is recognised.
 */
export async function probeFilesystem(device: string): Promise<FsInfo | undefined> {
  const args = ['-p', '-o', 'export', device];
  const r = await run('blkid', args, { timeoutMs: 15_000 });
  if (r.code === 2) return undefined; // nothing recognised
  if (r.code !== 0) throw new ToolError('blkid', args, r);
  const rec = parseBlkidExport(r.stdout)[0];
  return rec ? fsInfoFromBlkid(rec) : undefined;
}
