// The catalog backlog for `status` and `upstream catalog-status`: what is not yet in the catalog and
// how old the oldest of it is, and how the worker last fared.
import type { Custody } from '../../custody/index.js';
import * as repo from '../../custody/catalog.js';
import { upstreamStation } from '../station.js';
import { redactDsn } from './pg.js';
import type { CatalogConfig } from './replicate.js';

export interface CatalogBacklogStatus {
  catalog: string; station: string;
  pendingRows: number; pendingAuditEntries: number; oldestAt: string | null; oldestAgeHours: number | null;
  lastOkAt: string | null; lastError: string | null; lastErrorAt: string | null; failures: number;
}

export function catalogBacklogStatus(custody: Custody, config: CatalogConfig): CatalogBacklogStatus | null {
  if (!config.upstream?.catalog) return null;
  const ctx = custody.ctx();
  const b = repo.backlog(ctx);
  const s = repo.catalogState(ctx);
  const age = b.oldestAt === null ? null : Math.round(((Date.parse(custody.now()) - Date.parse(b.oldestAt)) / 3_600_000) * 100) / 100;
  return {
    catalog: redactDsn(config.upstream.catalog), station: upstreamStation(config),
    pendingRows: b.rows, pendingAuditEntries: b.auditEntries, oldestAt: b.oldestAt, oldestAgeHours: age,
    lastOkAt: s.lastOkAt, lastError: s.lastError, lastErrorAt: s.lastErrorAt, failures: s.failures,
  };
}

export function catalogBacklogLine(s: CatalogBacklogStatus): string {
  const pending = s.pendingRows + s.pendingAuditEntries;
  return `catalog  ${pending === 0 ? 'up to date' : `${s.pendingRows} row change(s), ${s.pendingAuditEntries} audit entr${s.pendingAuditEntries === 1 ? 'y' : 'ies'} pending, oldest ${s.oldestAgeHours} h`}`
    + ` (${s.station} → ${s.catalog}; last ok ${s.lastOkAt ?? 'never'}${s.lastError && s.failures ? `; failing ×${s.failures}: ${s.lastError}` : ''})`;
}
