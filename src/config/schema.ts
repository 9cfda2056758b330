// The configuration contract: every key evidock reads, with defaults. The JSON Schema beside
// config/evidock.example.yaml is generated from this file (scripts/gen-config-schema).
import { z } from 'zod';
import { patternProblem } from '../profiles/pattern.js';
import cron from 'node-cron';
import { notOnLan } from '../compliance/lan-webhook.js';

const roles = z.enum(['officer', 'custodian', 'head', 'admin']);

/**
 * A string that must compile on the linear-time engine profiles run on (RE2), so a bad or
 * catastrophic pattern fails at load (with its file:line:col), not at dock time.
 */
const regexString = () => z.string().superRefine((src, ctx) => {
  const problem = patternProblem(src);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const officerSchema = z.object({
  badge: z.string().regex(/^[0-9A-Za-z]{6}$/, 'a badge number is 6 characters'),
  name: z.string().min(1),
  osUser: z.string().min(1).optional().describe('OS account mapped to this officer for the CLI'),
  roles: z.array(roles).default(['officer']),
  unit: z.string().optional().describe('code of the officer\'s unit (default: the station\'s unit.code)'),
}).strict();

export const unitSchema = z.object({
  code: z.string().min(1),
  name: z.string().min(1),
  parent: z.string().optional().describe('code of the parent unit (a head of the parent also oversees this unit)'),
}).strict();

export const rosterDeviceSchema = z.object({
  serial: z.string().regex(/^[0-9A-Za-z]{7}$/, 'a device serial is 7 characters'),
  model: z.string().optional(),
  badge: z.string().optional().describe('officer the camera is assigned to (its first holder in the equipment ledger)'),
  unit: z.string().optional().describe('code of the unit the camera belongs to (equipment ledger)'),
  purchaseDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a purchase date is YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date')
    .optional().describe('purchase date (YYYY-MM-DD)'),
  price: z.number().nonnegative().max(1e9).refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-6, 'a price has at most 2 decimals')
    .optional().describe('original price in yuan: what a loss or damage by misuse is paid at (art. 17)'),
}).strict();

const usbIdSchema = z.object({
  vid: z.string().regex(/^[0-9a-fA-F]{4}$/, 'a USB id is 4 hex digits'),
  pid: z.string().regex(/^[0-9a-fA-F]{4}$/, 'a USB id is 4 hex digits'),
}).strict();

const identityMethod = z.enum(['identityFile', 'zfy', 'label', 'usbSerial']);

export const profileSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional().describe('what kind of camera this is, for people reading the profile'),
  match: z.object({
    usb: z.array(usbIdSchema).default([]).describe('USB vendor/product ids (any of them)'),
    vendor: regexString().optional().describe('regex on the SCSI/USB vendor string (case-insensitive)'),
    model: regexString().optional().describe('regex on the SCSI/USB model string (case-insensitive)'),
    labelPattern: regexString().optional().describe('regex on the volume label (case-insensitive)'),
    markerFile: z.string().optional().describe('a file in the volume root that marks this kind of camera'),
  }).strict().default({ usb: [] })
    .describe('every rule given must hold for the facts the dock observed; rules on facts it could not observe '
      + '(no USB ids for a loop device, no label for a plain directory) are skipped, but at least one rule must hold'),
  identity: z.object({
    method: identityMethod,
    file: z.string().optional().describe('identityFile: path relative to the volume root'),
    pattern: regexString().optional()
      .describe('label/usbSerial: regex with named groups serial (and badge); default: the whole value is the serial'),
    fallback: identityMethod.exclude(['zfy']).optional()
      .describe('method used when the first one yields no serial (e.g. usbSerial when the identity file is missing)'),
  }).strict(),
  files: z.array(z.string().min(1)).min(1).describe('globs relative to the volume root'),
  filename: regexString().optional()
    .describe('regex with named groups start, serial, badge, seq applied to the file name'),
  startFormat: z.string().default('YYYYMMDDHHmmss')
    .describe('layout of the start group: YYYY MM DD HH mm ss; other characters are ignored'),
  clock: z.object({
    method: z.enum(['none', 'zfy', 'timesetFile']).default('none'),
    file: z.string().optional().describe('timesetFile: file in the volume root the camera reads at boot (default TIMESET.txt)'),
    format: z.string().optional().describe('timesetFile: layout of the time written, YYYY MM DD HH mm ss (default "YYYY-MM-DD HH:mm:ss")'),
  }).strict().default({ method: 'none' }),
  zfy: z.object({
    library: z.string().min(1)
      .describe('vendor library: absolute path, a bare name found by the dynamic loader, or relative to the evidock '
        + 'install directory; the environment variable EVIDOCK_ZFY_LIBRARY overrides it'),
    password: z.string().default('000000'),
    env: z.record(z.string(), z.string()).optional().describe('extra environment for the vendor library'),
    timeoutMs: z.number().int().min(100).max(60_000).optional().describe('watchdog of one probe run (default 5000)'),
    infoLayout: z.union([z.literal(89), z.literal(94)]).default(94)
      .describe('ZFY_INFO layout of the vendor header: 94 (8/7/33/13/33 bytes, the common one) or 89 (7/6/32/12/32)'),
  }).strict().optional(),
  wipe: z.enum(['never', 'afterVerify']).default('never'),
}).strict().superRefine((p, ctx) => {
  // A profile that names the vendor interface must say where the vendor library is.
  if (!p.zfy) {
    const at = p.identity.method === 'zfy' ? ['identity', 'method'] : p.clock.method === 'zfy' ? ['clock', 'method'] : undefined;
    if (at) ctx.addIssue({ code: 'custom', path: at, message: 'method zfy needs a zfy: {library: ...} section in the profile' });
  }
  if ((p.identity.method === 'identityFile' || p.identity.fallback === 'identityFile') && !p.identity.file) {
    ctx.addIssue({ code: 'custom', path: ['identity', 'file'], message: 'identity method identityFile needs file: (the identity file in the volume root)' });
  }
});

// Art. 14(2): the regulation's floors are the minimums here, so the YAML can lengthen a period
// but a shorter one is a configuration error (exit 2), never a silent shortening.
const RETENTION_DEFAULTS = {
  defaultCategory: 'routine' as const, graceDays: 7, routineMonths: 3, caseAfterCloseMonths: 3, caseMinMonths: 6, otherMinMonths: 3,
  schedule: '30 2 * * *', digestSchedule: '0 8 * * 1',
};
export const retentionSchema = z.object({
  defaultCategory: z.enum(['routine', 'case', 'major', 'other']).default('routine').describe('category of a recording nobody classified'),
  graceDays: z.number().int().min(1).max(365).default(7).describe('days a due recording waits, restorable, before it is purged'),
  routineMonths: z.number().int().min(3, 'routine footage is kept at least 3 months (art. 14(2))').default(3),
  caseAfterCloseMonths: z.number().int().min(3, 'case footage is kept at least 3 months after the case is closed (art. 14(2))').default(3),
  caseMinMonths: z.number().int().min(6, 'case footage is kept at least 6 months (art. 14(2))').default(6),
  otherMinMonths: z.number().int().min(3, 'other footage is kept at least 3 months (art. 14(2))').default(3),
  schedule: z.string().refine((v) => cron.validate(v), { message: 'not a cron expression (minute hour day month weekday)' }).default('30 2 * * *')
    .describe('cron of the daily retention run (job retention-run; schedules.retention-run overrides it; missed runs are caught up at start)'),
  digestSchedule: z.string().refine((v) => cron.validate(v), { message: 'not a cron expression (minute hour day month weekday)' }).default('0 8 * * 1')
    .describe('cron of the weekly digest of the next 7 days\' purges (job retention-digest; schedules.retention-digest overrides it)'),
}).strict();

const ARCHIVE_DEFAULTS = { media: 'bd25', labelPrefix: 'EVIDOCK' };
export const archiveSchema = z.object({
  media: z.string().regex(/^(dvd|bd25|bd50|\d+[KMG]?)$/i, 'media is dvd, bd25, bd50 or a size like 700M').default('bd25'),
  drive: z.string().optional().describe('optical drive for archive burn (else the first one `xorriso -devices` lists)'),
  labelPrefix: z.string().regex(/^[A-Z0-9_]{1,16}$/, 'upper-case letters, digits and _ (ISO 9660 volume id), at most 16').default('EVIDOCK'),
  station: z.string().optional().describe('station name written on each disc (default: the host name)'),
}).strict();
const severity = z.enum(['info', 'warning', 'critical']);
const channelFilters = {
  minSeverity: severity.optional().describe('deliver only alerts at least this severe'),
  kinds: z.array(z.string().min(1)).optional().describe('deliver only these alert kinds'),
};
export const channelSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('log'), ...channelFilters }).strict(),
  z.object({
    type: z.literal('command'), run: z.string().min(1).describe('shell command; gets the alert as JSON on stdin'),
    timeoutMs: z.number().int().min(100).max(600_000).default(10_000), retries: z.number().int().min(0).max(20).default(3), ...channelFilters,
  }).strict(),
  z.object({
    type: z.literal('webhook'),
    url: z.string().superRefine((u, ctx) => { const why = notOnLan(u); if (why) ctx.addIssue({ code: 'custom', message: `not on the unit's LAN: ${why}` }); })
      .describe('receiver on the unit\'s LAN, by its private or loopback IP address; the alert is POSTed as JSON'),
    timeoutMs: z.number().int().min(100).max(600_000).default(5_000), retries: z.number().int().min(0).max(20).default(5), ...channelFilters,
  }).strict(),
  z.object({ type: z.literal('digest'), dir: z.string().min(1).describe('a daily file, text and CSV'), ...channelFilters }).strict(),
]);

export const DEFAULT_SCHEDULES = {
  'verify-sample': '30 2 * * *',
  'verify-full': '0 3 * * 0',
  'scan-late': '5 * * * *',
  'scan-not-docked': '10 * * * *',
  'digest': '55 23 * * *',
} as const;

// Upstream to the unit's backend server (issue 14): objects to S3 with Object Lock, custody rows to a
// central PostgreSQL catalog. Optional: a station without it keeps working alone.
export const upstreamSchema = z.object({
  station: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a station name is letters, digits, . _ -').optional()
    .describe('this station\'s name in the bucket and the catalog (default: audit.station, else the host name)'),
  endpoint: z.string().url().optional().describe('S3 endpoint of the backend server, e.g. http://10.1.2.3:7480 (Ceph RGW)'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lower-case letters, digits, . -)').optional()
    .describe('bucket created with Object Lock enabled'),
  region: z.string().min(1).default('us-east-1'),
  credentialsFile: z.string().min(1).optional()
    .describe('YAML file with accessKeyId and secretAccessKey of an ordinary S3 user (never the admin keyring), readable only by the service user'),
  catalog: z.string().regex(/^postgres(ql)?:\/\//, 'a PostgreSQL connection URI (postgresql://user@host:port/db)').optional()
    .describe('central PostgreSQL catalog; put the password in passwordFile or ~/.pgpass, not here'),
  catalogPasswordFile: z.string().min(1).optional().describe('file holding the catalog password'),
  maxMBps: z.number().positive().default(40).describe('bandwidth upstream may use, so docking is never slowed beyond it'),
  alertAfterHours: z.number().positive().default(24).describe('art. 14(1): raise upstream-late when the oldest queued item is older'),
  pruneLocal: z.boolean().default(false)
    .describe('drop a local object once the bucket holds it locked, re-verified, and retention and disc rules allow (audited)'),
}).strict().superRefine((u, ctx) => {
  if (u.endpoint !== undefined) {
    for (const k of ['bucket', 'credentialsFile'] as const) {
      if (u[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `upstream.${k} is required with upstream.endpoint` });
    }
  } else if (u.bucket !== undefined || u.credentialsFile !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'upstream.endpoint is required with upstream.bucket/credentialsFile' });
  }
  if (u.pruneLocal && u.endpoint === undefined) ctx.addIssue({ code: 'custom', path: ['pruneLocal'], message: 'upstream.pruneLocal needs an S3 endpoint' });
});

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./var/evidock')
    .describe('custody.db, store/, logs/ and run/ live here'),
  unit: z.object({
    code: z.string().default('000000000000'),
    name: z.string().default('Unconfigured unit'),
  }).strict().default({ code: '000000000000', name: 'Unconfigured unit' }),
  timezone: z.string().regex(/^(local|[+-](0\d|1[0-4]):[0-5]\d)$/, 'timezone is "local" or an offset from -14:00 to +14:00 like +08:00')
    .refine((tz) => !/^[+-]14:(?!00)/.test(tz), 'timezone offsets go up to ±14:00').default('local')
    .describe('offset of camera clocks, used to read times in file names ("local" = this machine)'),
  units: z.array(unitSchema).default([]).describe('other units (sub-units) besides the station\'s own unit'),
  officers: z.array(officerSchema).default([]),
  devices: z.array(rosterDeviceSchema).default([]),
  dock: z.object({
    roots: z.array(z.string()).default([]).describe('directories where camera volumes appear'),
    includeLoopDevices: z.boolean().default(false),
    settleMs: z.number().int().min(0).default(1000)
      .describe('wait for a new volume to stop changing before ingesting'),
    loopBackingDir: z.string().optional()
      .describe('with includeLoopDevices: only loop devices whose backing file is under this directory'),
    pollMs: z.number().int().min(100).default(1000)
      .describe('how often block devices are listed (USB and udev events trigger a scan at once)'),
    blockDevices: z.boolean().default(true)
      .describe('detect camera block devices and mount them read-only (needs root or mount rights)'),
    retryDelaysMs: z.array(z.number().int().min(0).max(3_600_000)).max(10).default([10_000, 20_000])
      .describe('waits between the tries of a camera whose mount or dock session failed (default: 3 tries over 30 s); '
        + 'after the last one a dock-failed alert names the device and the error'),
  }).strict().default({ roots: [], includeLoopDevices: false, settleMs: 1000, pollMs: 1000, blockDevices: true, retryDelaysMs: [10_000, 20_000] }),
  ingest: z.object({
    concurrency: z.number().int().min(1).max(32).default(16)
      .describe('cameras ingested at once (up to 32); copies share process-wide slots fairly, so memory stays flat'),
  }).strict().default({ concurrency: 16 }),
  storage: z.object({
    minFreeGiB: z.number().min(0).default(2)
      .describe('keep this much free on the store\'s file system: below it ingest pauses for every camera (cameras untouched) and resumes when space is back'),
  }).strict().default({ minFreeGiB: 2 }),
  clock: z.object({
    maxDriftSeconds: z.number().min(0).default(30),
  }).strict().default({ maxDriftSeconds: 30 }),
  audit: z.object({
    checkpointEvery: z.number().int().min(1).default(1000).describe('write a signed checkpoint after this many new audit entries'),
    checkpointDirs: z.array(z.string()).default([])
      .describe('directories (a second disk, a share) that receive a copy of every checkpoint besides <dataDir>/checkpoints'),
    keyDir: z.string().optional().describe('where the station key pair lives (default <dataDir>/keys), e.g. a token or another disk'),
    station: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a station name is letters, digits, . _ -').optional()
      .describe('name of this station in its checkpoints (default: the host name)'),
  }).strict().default({ checkpointEvery: 1000, checkpointDirs: [] }),
  access: z.object({
    serviceUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'an OS account name').optional()
      .describe('account that owns dataDir; other users reach custody through `sudo -u` this account (evidock deploy sudoers)'),
    defaultHours: z.number().positive().max(24 * 365).default(24)
      .describe('how long an approved view/copy grant lasts unless the request or the approver says otherwise'),
    maxHours: z.number().positive().max(24 * 365).default(24 * 30).describe('longest grant anyone may ask for or give'),
    player: z.array(z.string().min(1)).min(1).optional()
      .describe('command that plays a watermarked view copy, the file appended (e.g. [mpv, --really-quiet]); absent: the path is printed'),
    font: z.string().optional()
      .describe('font file for watermarks (default: a CJK font found by fc-match, e.g. fonts-wqy-zenhei or fonts-noto-cjk)'),
  }).strict().default({ defaultHours: 24, maxHours: 24 * 30 }),
  rules: z.object({
    uploadDeadlineHours: z.number().positive().default(24).describe('art. 14(1): footage is late when ingested this long after it ended'),
    activityGapMinutes: z.number().positive().default(30).describe('segments closer than this form one activity'),
    segmentToleranceSeconds: z.number().min(0).default(5).describe('inside an activity, a longer gap is an interruption (art. 9)'),
    voiceExplanationSeconds: z.number().min(0).default(120).describe('a voice note must start this soon after the gap'),
    notDockedHours: z.number().positive().optional().describe('a held camera not docked this long raises not-docked (default uploadDeadlineHours)'),
    lowBatteryPercent: z.number().min(0).max(100).default(20).describe('art. 10: a camera docked with less battery raises low-battery'),
    cameraStorageFullPercent: z.number().min(0).max(100).default(90).describe('art. 10: a camera docked with its storage this full raises camera-storage-full'),
  }).strict().default({ uploadDeadlineHours: 24, activityGapMinutes: 30, segmentToleranceSeconds: 5, voiceExplanationSeconds: 120, lowBatteryPercent: 20, cameraStorageFullPercent: 90 }),
  alerts: z.object({
    channels: z.array(channelSchema).default([]).describe('where alerts go besides the log (always)'),
  }).strict().default({ channels: [] }),
  schedules: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.union([
    z.string().min(1).refine((v) => cron.validate(v), { message: 'not a cron expression (minute hour day month weekday)' }), z.literal(false)])).default({})
    .describe(`cron per job (false disables it); defaults: ${Object.entries(DEFAULT_SCHEDULES).map(([k, v]) => `${k} "${v}"`).join(', ')}; retention-run and retention-digest: retention.schedule and retention.digestSchedule`),
  log: z.object({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  }).strict().default({ level: 'info' }),
  retention: retentionSchema.default(RETENTION_DEFAULTS),
  archive: archiveSchema.default(ARCHIVE_DEFAULTS),
  upstream: upstreamSchema.optional().describe('backend server: S3 bucket with Object Lock and/or central PostgreSQL catalog (absent: the station works alone)'),
  profiles: z.array(profileSchema).optional()
    .describe('camera profiles; when absent the built-in profiles are used'),
}).strict();

export type Config = z.infer<typeof configSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type Officer = z.infer<typeof officerSchema>;
