// The disc's BagIt layout (RFC 8493) as text, so any BagIt validator, sha256sum or a person with a
// browser can check and read a disc without evidock. Pure functions: content in, text out.

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export interface BagInfo {
  label: string; unitCode: string; unitName: string; station: string; baggingDate: string;
  payloadBytes: number; payloadFiles: number; volume: number; volumes: number; recordings: number;
  checkpoint: { seq: number; hash: string };
}

/** bag-info.txt; values are single lines (line breaks would start a new label). */
export function bagInfoTxt(i: BagInfo): string {
  const one = (v: string | number) => String(v).replace(/[\r\n]+/g, ' ');
  return [
    `Source-Organization: ${one(i.unitName)}`,
    `Organization-Address: unit ${one(i.unitCode)}`,
    `External-Identifier: ${one(i.label)}`,
    `External-Description: enforcement audio/video records archived by evidock (${i.recordings} recordings)`,
    `Bagging-Date: ${one(i.baggingDate.slice(0, 10))}`,
    `Bag-Software-Agent: evidock`,
    `Bag-Count: ${i.volume} of ${i.volumes}`,
    `Bag-Group-Identifier: ${one(i.label.replace(/_\d+$/, ''))}`,
    `Payload-Oxum: ${i.payloadBytes}.${i.payloadFiles}`,
    `Evidock-Station: ${one(i.station)}`,
    `Evidock-Unit: ${one(i.unitCode)}`,
    `Evidock-Audit-Checkpoint: seq ${i.checkpoint.seq} hash ${i.checkpoint.hash}`,
    '',
  ].join('\n');
}

/** manifest-sha256.txt / tagmanifest-sha256.txt: "<sha256>  <path>" sorted by path (sha256sum -c reads it too). */
export function manifestTxt(entries: { path: string; sha256: string }[]): string {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((e) => `${e.sha256}  ${e.path}\n`).join('');
}

export function parseManifest(text: string): { path: string; sha256: string }[] {
  const out: { path: string; sha256: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const m = /^([0-9a-fA-F]{64})\s+(.+)$/.exec(line);
    if (!m) throw new Error(`manifest line not understood: ${JSON.stringify(line)}`);
    out.push({ sha256: m[1]!.toLowerCase(), path: m[2]!.replace(/^\*/, '') });
  }
  return out;
}

export function parseBagInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^:\s][^:]*):\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export interface IndexRow {
  recordingId: number; file: string; sha256: string; size: number; device: string; badge: string | null;
  recordedStart: string; category: string; cases: string;
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** index.html: a table anyone can open, headings in Chinese and English, links to the files. */
export function indexHtml(info: BagInfo, rows: IndexRow[]): string {
  const head = ['编号 No.', '文件 File', '执法记录仪 Camera', '警号 Badge', '录制时间 Recorded', '类别 Category', '案件 Case', '大小 Bytes', 'SHA-256'];
  const body = rows.map((r) => `<tr><td>${r.recordingId}</td><td><a href="${esc(r.file)}">${esc(r.file.split('/').pop())}</a></td><td>${esc(r.device)}</td>`
    + `<td>${esc(r.badge)}</td><td>${esc(r.recordedStart)}</td><td>${esc(r.category)}</td><td>${esc(r.cases)}</td><td>${r.size}</td><td><code>${r.sha256}</code></td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>${esc(info.label)} 执法音视频记录光盘 / enforcement records disc</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;font-size:90%}code{font-size:85%}</style></head>
<body><h1>${esc(info.label)}</h1>
<p>${esc(info.unitName)} (${esc(info.unitCode)}) · 采集站 station ${esc(info.station)} · 刻录日期 built ${esc(info.baggingDate)} · 第 ${info.volume} / ${info.volumes} 张 disc ${info.volume} of ${info.volumes}</p>
<p>本光盘为 BagIt 包：manifest-sha256.txt 列出每个文件的 SHA-256，可用任何 BagIt 校验工具或 <code>sha256sum -c manifest-sha256.txt</code> 校验。
data/custody/ 含保管记录、审计日志条目与审计检查点。<br>
This disc is a BagIt bag: manifest-sha256.txt lists every file's SHA-256; check it with any BagIt validator or <code>sha256sum -c manifest-sha256.txt</code>.
data/custody/ holds the custody rows, their audit log entries and the audit checkpoint (seq ${info.checkpoint.seq}, ${esc(info.checkpoint.hash)}).</p>
<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>
${body}
</table></body></html>
`;
}

/** index.csv (UTF-8 with BOM so spreadsheet programs show the Chinese headings). */
export function indexCsv(rows: IndexRow[]): string {
  const q = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const head = ['编号 No.', '文件 File', '执法记录仪 Camera', '警号 Badge', '录制时间 Recorded', '类别 Category', '案件 Case', '大小 Bytes', 'SHA-256'];
  return `\uFEFF${[head.map(q).join(','), ...rows.map((r) => [r.recordingId, r.file, r.device, r.badge, r.recordedStart, r.category, r.cases, r.size, r.sha256].map(q).join(','))].join('\r\n')}\r\n`;
}
