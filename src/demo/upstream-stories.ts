// The demo's backend-server part (issue 14): objects into a locked Ceph RGW bucket, custody into a
// central PostgreSQL catalog. Each story returns true when something was not as expected; a server
// that cannot start here is said and skipped.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What the stories need of the running demo. */
export interface DemoContext {
  ROOT: string;
  CLI: string;
  work: string;
  configFile: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  firstSerial: string;
  cli(args: string[], show?: boolean): { code: number; stdout: string };
  say(s: string): void;
}

/** Both stories, objects first; true when either went wrong. */
export async function upstreamStories(d: DemoContext): Promise<boolean> {
  const objectsBad = await objectsStory(d);
  if (objectsBad) process.stderr.write('demo: upstream objects not as expected\n');
  return (await catalogStory(d)) || objectsBad;
}

/**
 * Issue 14, the object half: a single-node Ceph RGW on 127.0.0.1 stands in for the unit's backend
 * server; `evidock upstream sync` sends every verified object under its SHA-256 with a COMPLIANCE
 * lock (legal hold for cam-A's major footage), and the server refuses the station's own delete.
 * Where Ceph cannot start here, says why and goes on. Returns true when something was not as expected.
 */
async function objectsStory(d: DemoContext): Promise<boolean> {
  const { say, cli, work, configFile, env, ROOT, CLI } = d;
  // Beside the demo's data directory and kept: a later demo run on the same station finds the bucket
  // that holds what the station already sent (the station remembers it as upstream).
  const cephDir = `${d.dataDir}-ceph`;
  say('upstream: starting a single-node Ceph RGW (scripts/upstream/ceph-start.sh) as the backend server');
  // Not spawnSync: the demo's webhook receiver (this process) keeps answering the daemon meanwhile.
  const started = await new Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    const c = spawn('bash', [path.join(ROOT, 'scripts/upstream/ceph-start.sh'), cephDir, 'evidence'],
      { env: { ...process.env, NODE: process.execPath }, timeout: 180_000 });
    let stdout = ''; let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', (error) => resolve({ status: null, stdout, stderr, error }));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  if (started.status !== 0) {
    say(`upstream skipped: Ceph could not start here (${(started.stderr || String(started.error ?? '')).trim().split('\n').pop() ?? '?'})`);
    return false;
  }
  try {
    if (process.geteuid?.() !== 0) { say('upstream skipped: the demo runs the CLI as root (the custodian\'s `upstream sync`)'); return false; }
    const s3 = JSON.parse(started.stdout.trim().split('\n').pop()!) as { endpoint: string; bucket: string; credentialsFile: string };
    const upConfig = path.join(work, 'evidock-upstream.yaml');
    fs.writeFileSync(upConfig, `${fs.readFileSync(configFile, 'utf8')}upstream:\n  station: demo-station\n  endpoint: ${s3.endpoint}\n`
      + `  bucket: ${s3.bucket}\n  credentialsFile: ${JSON.stringify(s3.credentialsFile)}\n  maxMBps: 40\n`);
    const up = (args: string[], show = true) => {
      const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...env, EVIDOCK_CONFIG: upConfig }, encoding: 'utf8' });
      if (show) process.stdout.write(r.stdout + r.stderr);
      return r;
    };
    say(`evidock upstream sync (endpoint ${s3.endpoint}, bucket ${s3.bucket}, an ordinary S3 user's keys)`);
    if (up(['upstream', 'sync']).status !== 0) return true;
    say('evidock upstream status');
    const st = JSON.parse(up(['upstream', 'status', '--json'], false).stdout) as { objects: { queued: number; upstream: number } };
    up(['upstream', 'status']);
    const { S3Client, HeadObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const { parse } = await import('yaml');
    const creds = parse(fs.readFileSync(s3.credentialsFile, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: creds,
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    try {
      const rec = (JSON.parse(cli(['recordings', 'list', '--device', d.firstSerial, '--json'], false).stdout) as { sha256: string }[])[0]!;
      const h = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: rec.sha256 }));
      say(`in the bucket: ${rec.sha256} — ${h.ObjectLockMode} until ${h.ObjectLockRetainUntilDate?.toISOString()}, legal hold ${h.ObjectLockLegalHoldStatus}, `
        + `metadata sha256 ${h.Metadata?.sha256 === rec.sha256 ? 'matches' : 'DIFFERS'}, station ${h.Metadata?.station}`);
      say('the station\'s own keys try to delete that version: the server refuses');
      let refused = 0;
      try { await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: rec.sha256, VersionId: h.VersionId! })); } catch (e) {
        refused = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
        process.stdout.write(`HTTP ${refused} ${(e as Error).name}: ${(e as Error).message}\n`);
      }
      return !(refused === 403 && st.objects.queued === 0 && st.objects.upstream > 0 && h.ObjectLockMode === 'COMPLIANCE' && h.ObjectLockLegalHoldStatus === 'ON');
    } finally {
      client.destroy();
    }
  } finally {
    spawnSync('bash', [path.join(ROOT, 'scripts/upstream/ceph-stop.sh'), cephDir], { stdio: 'ignore' });
  }
}

/**
 * Issue 14, the central catalog: a PostgreSQL 15 in a temporary directory (scripts/upstream/pg-start.sh),
 * the demo station replicated into it, its chain verified there, and `report late --catalog`.
 * Returns true when something was not as expected; no PostgreSQL here is said and skipped.
 */
async function catalogStory(d: DemoContext): Promise<boolean> {
  const { say, cli, work, configFile, ROOT } = d;
  say('upstream: the central PostgreSQL catalog (scripts/upstream/pg-start.sh)');
  const started = spawnSync('bash', [path.join(ROOT, 'scripts/upstream/pg-start.sh')], { encoding: 'utf8' });
  if (started.status !== 0) {
    process.stdout.write(`PostgreSQL could not start here, catalog part skipped: ${(started.stderr || started.error?.message || '').trim()}\n`);
    return false;
  }
  const vars = Object.fromEntries(started.stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const withCatalog = path.join(work, 'evidock-catalog.yaml');
  fs.writeFileSync(withCatalog, `${fs.readFileSync(configFile, 'utf8')}upstream:\n  station: demo-station\n  catalog: ${vars.EVIDOCK_PG_DSN}\n`
    + `  catalogPasswordFile: ${vars.EVIDOCK_PG_PASSWORD_FILE}\n`);
  let bad = false;
  try {
    const run = (args: string[]) => cli(['--config', withCatalog, ...args]);
    cli(['--config', withCatalog, 'audit', 'checkpoint'], false); // a signed head for the catalog to check
    say('evidock upstream catalog-sync');
    if (run(['upstream', 'catalog-sync']).code !== 0) bad = true;
    say('evidock upstream catalog-verify (the station\'s chain as the catalog holds it, with its signed checkpoints)');
    if (run(['upstream', 'catalog-verify']).code !== 0) bad = true;
    say('evidock report late --catalog (every station in the catalog)');
    if (run(['report', 'late', '--catalog']).code !== 0) bad = true;
  } finally {
    spawnSync('bash', [path.join(ROOT, 'scripts/upstream/pg-stop.sh'), vars.EVIDOCK_PG_DIR!], { stdio: 'inherit' });
  }
  return bad;
}
