// The disc's BagIt layout (RFC 8493) as text, so any BagIt validator, sha256sum, OpenSSL or a person
// with a browser can check and read a disc without evidock. Pure functions: content in, text out.
import { DISC_CHECKPOINT, DISC_PUBLIC_KEY, DISC_SIGNATURE, OPENSSL_VERIFY } from './checkpoint.js';

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export interface BagInfo {
  label: string; unitCode: string; unitName: string; station: string; baggingDate: string;
  payloadBytes: number; payloadFiles: number; volume: number; volumes: number; recordings: number;
  checkpoint: { station: string; seq: number; hash: string; keyFingerprint: string };
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
    `Evidock-Audit-Checkpoint: station ${one(i.checkpoint.station)} seq ${i.checkpoint.seq} hash ${i.checkpoint.hash}`,
    `Evidock-Station-Key-SHA256: ${i.checkpoint.keyFingerprint}`,
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
data/custody/ 含保管记录、审计日志条目、经采集站私钥签名的审计检查点及采集站公钥；在光盘根目录用 OpenSSL（3.0 及以上）校验签名：<br>
This disc is a BagIt bag: manifest-sha256.txt lists every file's SHA-256; check it with any BagIt validator or <code>sha256sum -c manifest-sha256.txt</code>.
data/custody/ holds the custody rows, their audit log entries, the audit checkpoint signed with the station's Ed25519 key
(station ${esc(info.checkpoint.station)}, seq ${info.checkpoint.seq}, ${esc(info.checkpoint.hash)}) and the station's public key; check the signature with OpenSSL 3.0 or later, in the disc's root directory:</p>
<pre>${esc(OPENSSL_VERIFY)}</pre>
<p>应输出 / prints: <code>Signature Verified Successfully</code>. 公钥指纹 / public key fingerprint (SHA-256 of the DER key, compare with the station's <code>evidock audit pubkey</code>):
<code>${esc(info.checkpoint.keyFingerprint)}</code> — <code>openssl pkey -pubin -in ${DISC_PUBLIC_KEY} -outform DER | sha256sum</code></p>
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

/** README.txt at the disc's root: how to check the disc by hand, in Chinese and English. */
export function readmeTxt(info: BagInfo): string {
  return [
    `${info.label} — ${info.unitName} (${info.unitCode}) 执法音视频记录光盘 / enforcement audio-video records disc`,
    `第 ${info.volume} / ${info.volumes} 张 · disc ${info.volume} of ${info.volumes} · 采集站 station ${info.station} · ${info.baggingDate}`,
    '',
    '本光盘为 BagIt 包（RFC 8493），无需 evidock 即可校验。This disc is a BagIt bag (RFC 8493); it can be checked without evidock.',
    '',
    '1. 文件完整性 / file integrity (in the disc\'s root directory):',
    '     sha256sum -c manifest-sha256.txt && sha256sum -c tagmanifest-sha256.txt',
    '   或任何 BagIt 校验工具 / or any BagIt validator, e.g. bagit.py --validate .',
    '',
    '2. 审计检查点签名 / the signed audit checkpoint (OpenSSL 3.0 or later):',
    `     ${OPENSSL_VERIFY}`,
    '   应输出 / prints: Signature Verified Successfully',
    `   ${DISC_CHECKPOINT}: {v, station, seq, hash, at} — 审计链第 seq 条的哈希 / the audit chain's head (seq, hash) when the disc was built`,
    `   ${DISC_SIGNATURE}: Ed25519 签名（二进制）/ its Ed25519 signature (binary), over exactly the bytes of checkpoint.json`,
    `   ${DISC_PUBLIC_KEY}: 采集站公钥 / the station's public key; SHA-256 of its DER form:`,
    `     ${info.checkpoint.keyFingerprint}`,
    `     openssl pkey -pubin -in ${DISC_PUBLIC_KEY} -outform DER | sha256sum`,
    '   应与采集站 `evidock audit pubkey` 所示公钥一致 / it must match the station\'s `evidock audit pubkey`.',
    '',
    '3. 光盘介质 / the medium itself: xorriso -indev /dev/sr0 -check_media --  (or: xorriso -md5 on -indev IMAGE.iso -check_md5_r sorry / --)',
    '',
    'index.html / index.csv: 录像清单 / list of the recordings. data/custody/: 保管记录与审计日志条目 / custody rows and audit log entries.',
    '',
  ].join('\n');
}
