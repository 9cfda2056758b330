// The data directory belongs to the service account: the directory 0700 (so nobody else reaches
// custody.db or the store), custody.db 0600. Root (the daemon, an administrator) creates files as
// root; it hands the directories it made back to the service account so the sudo side can write.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Account { uid: number; gid: number }

/** uid/gid of an OS account (getent passwd), undefined when there is none. */
export function accountOf(name: string): Account | undefined {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    const [, , uid, gid] = line.split(':');
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  } catch {
    return undefined;
  }
}

/** Name of the OS user with this uid (getent passwd), undefined when there is none. */
export function userOfUid(uid: number): string | undefined {
  try {
    return execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8' }).split(':')[0] || undefined;
  } catch {
    return undefined;
  }
}

/** Directories (and the database files) that the service account must own; objects stay read-only as written. */
const OWNED = ['', 'custody.db', 'custody.db-wal', 'custody.db-shm', 'keys', 'keys/station.key', 'keys/station.pub',
  'checkpoints', 'logs', 'logs/evidock.log', 'run', 'store', 'store/tmp', 'store/sha256'];

export function secureDataDir(dataDir: string, serviceUser: string | undefined): void {
  if (serviceUser === undefined) return;
  const euid = process.geteuid?.() ?? -1;
  const acct = accountOf(serviceUser);
  if (euid === 0) {
    if (!acct) throw new Error(`access.serviceUser ${serviceUser}: no such OS account`);
    fs.mkdirSync(dataDir, { recursive: true });
    for (const rel of OWNED) {
      const p = path.join(dataDir, rel);
      try { fs.lchownSync(p, acct.uid, acct.gid); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
    }
    // Fan-out directories of the store (two levels) made by root.
    const fan = path.join(dataDir, 'store', 'sha256');
    for (const a of safeList(fan)) {
      fs.lchownSync(path.join(fan, a), acct.uid, acct.gid);
      for (const b of safeList(path.join(fan, a))) fs.lchownSync(path.join(fan, a, b), acct.uid, acct.gid);
    }
  }
  if (euid === 0 || (acct && euid === acct.uid)) {
    fs.chmodSync(dataDir, 0o700);
    const db = path.join(dataDir, 'custody.db');
    if (fs.existsSync(db)) fs.chmodSync(db, 0o600);
  }
}

function safeList(dir: string): string[] {
  try { return fs.readdirSync(dir); } catch { return []; }
}

/** Under sudo the configuration must not be writable by anyone but root or the service account. */
export function checkSystemConfigFile(file: string, serviceUid: number): string | undefined {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch (err) { return `${file}: ${(err as Error).message}`; }
  if (st.uid !== 0 && st.uid !== serviceUid) return `${file} is owned by uid ${st.uid}, not root or the service account`;
  if ((st.mode & 0o022) !== 0) return `${file} is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}
