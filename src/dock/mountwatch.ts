// Watches mount roots (e.g. /media/evidock) for camera volumes appearing and disappearing,
// for setups where something else (udisks, an admin, the QEMU guest) does the mounting.
import { EventEmitter } from 'node:events';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface VolumeEvent { dir: string; root: string }

export interface MountWatchOptions {
  /** Decides whether a settled directory is a camera volume (e.g. its profile marker exists). */
  isCamera: (dir: string) => Promise<boolean>;
  /** Quiet time after the last change under the directory before it is examined. */
  settleMs?: number;
  /** How long to keep polling isCamera: a mount over a fresh directory makes no inotify event. */
  markerWaitMs?: number;
  pollMs?: number;
  /** Default false: volumes already present at start are reported too (daemon restart). */
  ignoreInitial?: boolean;
}

export interface MountWatcher extends EventEmitter {
  /** Resolves once the initial scan is done. */
  ready: Promise<void>;
  close(): Promise<void>;
}

interface Candidate { root: string; timer?: NodeJS.Timeout; announced: boolean; gen: number }

/** The top-level directory under one of `roots` that `p` is in (or is); undefined otherwise. */
export function topLevelDir(roots: string[], p: string): { root: string; dir: string } | undefined {
  for (const root of roots) {
    const rel = path.relative(root, p);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const first = rel.split(path.sep)[0];
    if (first) return { root, dir: path.join(root, first) };
  }
  return undefined;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/**
 * Emits 'volume' ({dir, root}) once per directory that appears under a root, stops changing for
 * settleMs and passes isCamera; 'gone' ({dir, root}) when an announced directory disappears.
 */
export function watchMountRoots(roots: string[], opts: MountWatchOptions): MountWatcher {
  const absRoots = roots.map((r) => path.resolve(r));
  const settleMs = opts.settleMs ?? 1000;
  const markerWaitMs = opts.markerWaitMs ?? 5000;
  const pollMs = opts.pollMs ?? 200;
  const emitter = new EventEmitter() as MountWatcher;
  const candidates = new Map<string, Candidate>();
  let closed = false;
  let gen = 0;

  const examine = async (dir: string, c: Candidate, myGen: number) => {
    const deadline = Date.now() + markerWaitMs;
    for (;;) {
      if (closed || c.gen !== myGen || candidates.get(dir) !== c) return;
      if (!(await exists(dir))) return;
      let ok = false;
      try { ok = await opts.isCamera(dir); } catch (err) { emitter.emit('error', err); return; }
      if (closed || c.gen !== myGen || candidates.get(dir) !== c) return;
      if (ok) {
        c.announced = true;
        emitter.emit('volume', { dir, root: c.root } satisfies VolumeEvent);
        return;
      }
      if (Date.now() >= deadline) return; // not a camera (a later change re-examines it)
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };

  const touched = (root: string, dir: string) => {
    let c = candidates.get(dir);
    if (!c) { c = { root, announced: false, gen: 0 }; candidates.set(dir, c); }
    if (c.announced) return; // reading or wiping a docked volume must not re-announce it
    const cand = c;
    cand.gen = ++gen;
    const myGen = cand.gen;
    if (cand.timer) clearTimeout(cand.timer);
    cand.timer = setTimeout(() => { cand.timer = undefined; void examine(dir, cand, myGen); }, settleMs);
  };

  const removed = (dir: string) => {
    const c = candidates.get(dir);
    if (!c) return;
    if (c.timer) clearTimeout(c.timer);
    candidates.delete(dir);
    if (c.announced) emitter.emit('gone', { dir, root: c.root } satisfies VolumeEvent);
  };

  const watcher: FSWatcher = watch(absRoots, { depth: 1, ignoreInitial: opts.ignoreInitial ?? false, persistent: true });
  watcher.on('all', (event, p) => {
    if (closed) return;
    const hit = topLevelDir(absRoots, path.resolve(p));
    if (!hit) return;
    const isTop = hit.dir === path.resolve(p);
    if (event === 'unlinkDir' && isTop) { removed(hit.dir); return; }
    if (isTop && (event === 'add' || event === 'change' || event === 'unlink')) return; // a plain file in the root
    touched(hit.root, hit.dir);
  });
  watcher.on('error', (err) => emitter.emit('error', err));
  emitter.ready = new Promise((resolve) => watcher.once('ready', () => { emitter.emit('ready'); resolve(); }));
  emitter.close = async () => {
    closed = true;
    for (const c of candidates.values()) if (c.timer) clearTimeout(c.timer);
    candidates.clear();
    await watcher.close();
  };
  return emitter;
}
