// Where dataDir may be: a directory (or one that can be created) on a real file system. Under
// /proc, /sys or /dev it would be a pseudo file system (`/proc/self` made `status` spin at 100 %
// CPU walking an endless tree); a file in its place gave a raw ENOTDIR from deep inside.
import fs from 'node:fs';
import path from 'node:path';

const PSEUDO = ['/proc', '/sys', '/dev'];

const under = (p: string, root: string) => p === root || p.startsWith(`${root}/`);

/** The problem with `dir` (absolute) as a dataDir, or undefined when it can be used. */
export function dataDirProblem(dir: string): string | undefined {
  const pseudo = (p: string) => PSEUDO.find((r) => under(p, r));
  const lexical = pseudo(dir);
  if (lexical) return `${dir} is under ${lexical}, a kernel pseudo file system; choose a directory on a disk`;
  // The nearest existing ancestor decides: it must be a directory, and not (through a link) in a pseudo file system.
  let cur = dir;
  for (;;) {
    let st: fs.Stats | undefined;
    try { st = fs.statSync(cur); } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') { cur = path.dirname(cur); continue; }
      if (code !== 'ENOENT') return `${cur}: ${code ?? (err as Error).message}`;
    }
    if (st) {
      if (!st.isDirectory()) return cur === dir ? `${dir} is not a directory` : `${cur} is not a directory, so ${dir} cannot be created`;
      const real = fs.realpathSync(cur);
      const viaLink = pseudo(real);
      if (viaLink) return `${dir} leads to ${real}, under ${viaLink}, a kernel pseudo file system; choose a directory on a disk`;
      return undefined;
    }
    const up = path.dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}
