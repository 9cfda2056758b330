// Hot-plug events from `udevadm monitor --property`: a streaming parser and a thin adapter.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stderrLog, type DockLog } from './exec.js';

export interface UdevEvent {
  /** 'udev' after rule processing (has ID_* properties), 'kernel' for the raw uevent. */
  source: 'udev' | 'kernel';
  /** Monotonic seconds printed in the header. */
  time: number;
  action: string;
  devpath: string;
  subsystem: string;
  props: Record<string, string>;
}

// e.g. `UDEV  [1234.567890] add      /devices/.../block/sda (block)` or `KERNEL[...] ...`
const HEADER = /^(UDEV|KERNEL)\s*\[\s*(\d+(?:\.\d+)?)\]\s+(\S+)\s+(\S+)\s+\(([^)]*)\)\s*$/;

/**
 * Incremental parser: feed arbitrary chunks (split anywhere, even inside a UTF-8 sequence);
 * each complete event is returned once its terminating blank line (or the next header) is seen.
 */
export class UdevMonitorParser {
  private decoder = new TextDecoder('utf-8');
  private partial = '';
  private current: UdevEvent | undefined;

  push(chunk: string | Uint8Array): UdevEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    const out: UdevEvent[] = [];
    for (const line of lines) this.line(line.replace(/\r$/, ''), out);
    return out;
  }

  /** Flushes a last event that had no trailing blank line (stream ended). */
  end(): UdevEvent[] {
    const out: UdevEvent[] = [];
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    if (rest !== '') this.line(rest.replace(/\r$/, ''), out);
    this.finish(out);
    return out;
  }

  private line(line: string, out: UdevEvent[]): void {
    if (line.trim() === '') { this.finish(out); return; }
    const h = HEADER.exec(line);
    if (h) {
      this.finish(out);
      this.current = {
        source: h[1] === 'UDEV' ? 'udev' : 'kernel',
        time: Number(h[2]),
        action: h[3] ?? '',
        devpath: h[4] ?? '',
        subsystem: h[5] ?? '',
        props: {},
      };
      return;
    }
    // Property lines only count inside an event; the banner lines before the first one don't.
    if (!this.current) return;
    const eq = line.indexOf('=');
    if (eq > 0) this.current.props[line.slice(0, eq)] = line.slice(eq + 1);
  }

  private finish(out: UdevEvent[]): void {
    if (this.current) out.push(this.current);
    this.current = undefined;
  }
}

/** Parses a whole stream (an array of chunks, a Readable, any async iterable). */
export async function* parseUdevMonitor(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): AsyncGenerator<UdevEvent> {
  const p = new UdevMonitorParser();
  for await (const c of chunks) yield* p.push(c);
  yield* p.end();
}

/** Decodes udev's `\xNN` escapes (ID_FS_LABEL_ENC, ID_VENDOR_ENC). */
export function decodeUdevEnc(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const m = /^\\x([0-9a-fA-F]{2})/.exec(s.slice(i, i + 4));
    if (m?.[1]) { bytes.push(parseInt(m[1], 16)); i += 3; continue; }
    bytes.push(...Buffer.from(s[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface BlockEventInfo {
  action: string;
  devname: string;
  devtype?: string;
  bus?: string;
  vendorId?: string;
  modelId?: string;
  vendor?: string;
  model?: string;
  serial?: string;
  fstype?: string;
  label?: string;
  uuid?: string;
}

/** What the dock cares about in a block-device event; undefined for other subsystems. */
export function blockEventInfo(ev: UdevEvent): BlockEventInfo | undefined {
  const p = ev.props;
  if (ev.subsystem !== 'block' || !p.DEVNAME) return undefined;
  const enc = (k: string) => (p[`${k}_ENC`] !== undefined ? decodeUdevEnc(p[`${k}_ENC`] ?? '').trim() : p[k]);
  const info: BlockEventInfo = {
    action: ev.action,
    devname: p.DEVNAME.startsWith('/') ? p.DEVNAME : `/dev/${p.DEVNAME}`,
    devtype: p.DEVTYPE,
    bus: p.ID_BUS,
    vendorId: p.ID_VENDOR_ID ?? p.ID_USB_VENDOR_ID,
    modelId: p.ID_MODEL_ID ?? p.ID_USB_MODEL_ID,
    vendor: enc('ID_VENDOR') || undefined,
    model: enc('ID_MODEL') || undefined,
    serial: p.ID_SERIAL_SHORT ?? p.ID_USB_SERIAL_SHORT,
    fstype: p.ID_FS_TYPE || undefined,
    label: enc('ID_FS_LABEL') || undefined,
    uuid: p.ID_FS_UUID || undefined,
  };
  for (const k of Object.keys(info) as (keyof BlockEventInfo)[]) if (info[k] === undefined) delete info[k];
  return info;
}

export interface UdevWatch {
  stop(): Promise<void>;
  /** Set when events will not come (udevadm missing) or come without udev properties. */
  warning?: string;
  source?: 'udev' | 'kernel';
}

export interface WatchUdevOptions {
  udevadm?: string;
  subsystems?: string[];
  /**
   * 'auto' listens to udev when udevd runs (/run/udev/control), else to raw kernel uevents,
   * which carry DEVNAME/DEVTYPE but no ID_* properties (probe with blkid then).
   */
  source?: 'auto' | 'udev' | 'kernel';
  log?: DockLog;
}

/** Adapter: spawns `udevadm monitor` and calls onEvent per event until stop(). */
export function watchUdev(onEvent: (ev: UdevEvent) => void, opts: WatchUdevOptions = {}): Promise<UdevWatch> {
  const log = opts.log ?? stderrLog;
  const udevadm = opts.udevadm ?? 'udevadm';
  let source: 'udev' | 'kernel' = opts.source === 'kernel' ? 'kernel' : 'udev';
  let warning: string | undefined;
  if ((opts.source ?? 'auto') === 'auto' && !existsSync('/run/udev/control')) {
    source = 'kernel';
    warning = 'udevd is not running: listening to kernel uevents (no ID_* properties)';
  }
  const subs = opts.subsystems ?? ['block', 'usb'];
  const args = ['monitor', `--${source}`, '--property', ...subs.map((s) => `--subsystem-match=${s}`)];
  return new Promise((resolve) => {
    const child = spawn(udevadm, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const parser = new UdevMonitorParser();
    let stopped = false;
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    child.stdout.on('data', (d: Buffer) => { for (const ev of parser.push(d)) onEvent(ev); });
    child.stderr.setEncoding('utf8').on('data', (d: string) => log.debug?.(`udevadm: ${d.trim()}`));
    child.on('error', (err: NodeJS.ErrnoException) => {
      const w = err.code === 'ENOENT'
        ? `${udevadm} not found: no hot-plug events (mount-root watching still works)`
        : `udevadm monitor failed: ${err.message}`;
      log.warn(w);
      resolve({ stop: async () => {}, warning: w });
    });
    child.on('spawn', () => {
      if (warning) log.warn(warning);
      resolve({
        warning,
        source,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.on('exit', (code, signal) => {
      if (!stopped) log.warn('udevadm monitor exited', { code, signal });
    });
  });
}
