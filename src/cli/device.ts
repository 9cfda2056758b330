// evidock device add|list|assign|return|fault|repair|lost|damaged|retire: the custodian's
// equipment ledger (台账, issue 10). Every change is audited by custody; a refused step exits 2
// naming why (and the allowed steps), a refused role exits 4.
import type { Command } from 'commander';
import { openContext, printJson } from './context.js';
import { renderTable } from './table.js';
import { stationTime } from '../compliance/format.js';
import type { LedgerDeviceRow } from '../custody/index.js';
import { STATUSES, yuan, type LifecycleAction } from '../ledger/rules.js';
import { addDevice, assign, giveBack, lifecycle, LedgerError } from '../ledger/service.js';

export function deviceJson(d: LedgerDeviceRow) {
  return {
    serial: d.serial, model: d.model, unit: d.unit, purchaseDate: d.purchaseDate, price: yuan(d.priceCents), status: d.status, holder: d.holder,
    holderSince: d.holderSinceMs === null ? null : new Date(d.holderSinceMs).toISOString(), source: d.source, registeredAt: d.registeredAt, registeredBy: d.registeredBy,
  };
}

type Run = (ctx: ReturnType<typeof openContext>) => unknown;

async function withContext(cmd: Command, json: boolean | undefined, run: Run, say: (r: never) => string): Promise<void> {
  const ctx = openContext(cmd, { console: false, component: 'device' });
  try {
    const r = run(ctx);
    if (json) printJson(r);
    else process.stdout.write(`${say(r as never)}\n`);
  } finally {
    await ctx.close();
  }
}

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('the equipment ledger (台账): cameras, handovers, faults, repairs, losses (custodian)');

  device.command('add').description('register a camera in the ledger')
    .argument('<serial>', '7-character device number')
    .requiredOption('--model <model>', 'camera model')
    .option('--unit <code>', 'unit the camera belongs to')
    .option('--price <yuan>', 'original price in yuan (what a loss or damage is paid at, art. 17)')
    .option('--purchased <date>', 'purchase date, YYYY-MM-DD')
    .option('--json', 'print JSON')
    .action(async (serial: string, o: { model: string; unit?: string; price?: string; purchased?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, o.json, (ctx) => deviceJson(addDevice(ctx.custody, { serial, model: o.model, unit: o.unit, price: o.price, purchased: o.purchased })),
        (d: ReturnType<typeof deviceJson>) => `camera ${d.serial} (${d.model ?? '?'}) registered, in service`);
    });

  device.command('list').description('cameras in the ledger with their status and holder')
    .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
    .option('--json', 'print JSON')
    .action(async (o: { status?: string; json?: boolean }, cmd: Command) => {
      if (o.status !== undefined && !(STATUSES as readonly string[]).includes(o.status)) throw new LedgerError(`--status: expected one of ${STATUSES.join(', ')}, got ${o.status}`);
      const ctx = openContext(cmd, { console: false, component: 'device' });
      try {
        const rows = ctx.custody.ledger.listLedgerDevices(o.status).map(deviceJson);
        if (o.json) { printJson(rows); return; }
        const tz = ctx.loaded.config.timezone;
        process.stdout.write(renderTable(['camera', 'model', 'unit', 'status', 'holder', 'since', 'price', 'purchased'],
          rows.map((d) => [d.serial, d.model, d.unit, d.status, d.holder, d.holder ? (d.holderSince ? stationTime(d.holderSince, tz) : 'roster') : '', d.price, d.purchaseDate])));
        process.stdout.write(`${rows.length} camera(s)\n`);
      } finally {
        await ctx.close();
      }
    });

  device.command('assign').description('hand a camera to an officer (one holder at a time)')
    .argument('<serial>').requiredOption('--to <badge>', 'the officer who takes it')
    .option('--at <time>', 'when (ISO-8601; default now; not before the last handover)')
    .option('--note <text>').option('--json', 'print JSON')
    .action(async (serial: string, o: { to: string; at?: string; note?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, o.json, (ctx) => assign(ctx.custody, serial, o.to, o.at, new Date(), o.note),
        (h: { serial: string; badge: string; atMs: number; by: string }) => `camera ${h.serial} handed to ${h.badge} at ${new Date(h.atMs).toISOString()} by ${h.by}`);
    });

  device.command('return').description('take a camera back from its holder')
    .argument('<serial>').option('--at <time>', 'when (ISO-8601; default now)')
    .option('--note <text>').option('--json', 'print JSON')
    .action(async (serial: string, o: { at?: string; note?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, o.json, (ctx) => giveBack(ctx.custody, serial, o.at, new Date(), o.note),
        (h: { serial: string; atMs: number; by: string }) => `camera ${h.serial} returned at ${new Date(h.atMs).toISOString()}, taken back by ${h.by}`);
    });

  const step = (name: string, action: LifecycleAction, description: string, liable: boolean) => {
    const c = device.command(name).description(description).argument('<serial>').option('--note <text>', 'what happened');
    if (liable) c.requiredOption('--liable <badge>', 'the officer who answers for it (paid at the original price)');
    c.option('--json', 'print JSON').action(async (serial: string, o: { note?: string; liable?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, o.json, (ctx) => lifecycle(ctx.custody, serial, action, { note: o.note, liable: o.liable }),
        (e: { serial: string; fromStatus: string; toStatus: string; amountCents: number | null; liable: string | null }) =>
          `camera ${e.serial}: ${e.fromStatus} → ${e.toStatus}${e.liable ? `; ${e.liable} liable for ${e.amountCents === null ? 'the original price (not in the ledger)' : `${yuan(e.amountCents)} yuan`}` : ''}`);
    });
  };
  step('fault', 'fault', 'register a fault (art. 16: who reported, when, what; --note required)', false);
  step('lost', 'lost', 'register a loss (art. 17)', true);
  step('damaged', 'damaged', 'register damage (art. 17)', true);
  step('retire', 'retire', 'retire a camera (it stays in the ledger)', false);

  device.command('repair').description('send a faulty or damaged camera to repair, or register it back in service')
    .argument('<serial>').option('--sent', 'sent to repair').option('--back', 'back from repair, in service')
    .option('--note <text>').option('--json', 'print JSON')
    .action(async (serial: string, o: { sent?: boolean; back?: boolean; note?: string; json?: boolean }, cmd: Command) => {
      if (Boolean(o.sent) === Boolean(o.back)) throw new LedgerError('device repair: give exactly one of --sent or --back');
      await withContext(cmd, o.json, (ctx) => lifecycle(ctx.custody, serial, o.sent ? 'repair-sent' : 'repair-back', { note: o.note }),
        (e: { serial: string; fromStatus: string; toStatus: string }) => `camera ${e.serial}: ${e.fromStatus} → ${e.toStatus}`);
    });
}
