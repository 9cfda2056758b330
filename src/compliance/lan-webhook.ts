// The one network use of the alert channels (invariant 6: no outbound internet; the only network
// use is the unit's LAN): a JSON POST to a receiver whose URL names a private, link-local or
// loopback IP address literally — no host name, so no DNS answer can point it at the internet.
import { isIP } from 'node:net';

/** Pure: why a webhook URL is not on the LAN, or null when it is. */
export function notOnLan(url: string): string | null {
  let u: URL;
  try { u = new URL(url); } catch { return 'not a URL'; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol} (http or https only)`;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const v = isIP(host);
  if (v === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    if (a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) return null;
    return `${host} is not a private, link-local or loopback address`;
  }
  if (v === 6) {
    const h = host.toLowerCase();
    if (h === '::1' || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h)) return null;
    return `${host} is not a private, link-local or loopback address`;
  }
  return `${host}: give the receiver's LAN IP address, not a host name`;
}

export async function postJsonOnLan(url: string, body: string, timeoutMs: number): Promise<void> {
  const why = notOnLan(url);
  if (why) throw new Error(`webhook ${url} refused: ${why}`);
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
}
