// Invariant 6: no outbound internet. Two ways to break it, two checks:
//  1. source: no module in src/ imports a network module or uses fetch/WebSocket (read token by
//     token, so comments and strings can neither hide nor fake a use), and the C probes open no
//     sockets;
//  2. behaviour: the built CLI checks its config, ingests a camera and verifies the store inside a
//     network namespace that has only a downed loopback; under strace it opens no IP socket at all.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, ROOT } from '../helpers/cli.js';
import { makeRandomVolume, tempDir, writeConfig } from '../helpers/volumes.js';
import { skipUnless } from '../helpers/require.js';

const NET_MODULES = new Set(['http', 'https', 'http2', 'net', 'dgram', 'tls', 'dns', 'undici', 'ws', 'node-fetch',
  'axios', 'got', 'request', 'superagent', 'socket.io-client', 'mqtt', 'nodemailer', 'ssh2', 'ftp', 'basic-ftp', '@aws-sdk/client-s3', 'pg', 'postgres']);
const NET_GLOBALS = new Set(['fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource', 'WebTransport']);
const GLOBAL_OBJECTS = new Set(['globalThis', 'global', 'window', 'self']);

function isNetModule(spec: string): boolean {
  const bare = spec.replace(/^node:/, '');
  const name = bare.startsWith('@') ? bare.split('/').slice(0, 2).join('/') : bare.split('/')[0]!;
  return NET_MODULES.has(name);
}

// The repository's TypeScript is tsgo (7.x), which has no JavaScript parser API: a small lexer
// (comments, strings, templates with ${}, regex literals) is enough to see imports and identifiers.
interface Tok { t: 'id' | 'str' | 'tpl' | 're' | 'num' | 'p'; v: string; line: number }
const EXPR_KEYWORDS = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  const braces: ('{' | '${')[] = [];
  let i = 0;
  let line = 1;
  const upTo = (end: number) => { for (let k = i; k < end; k++) if (src[k] === '\n') line++; i = end; };
  const template = () => { // i just after ` or after the } closing a ${
    const start = i;
    while (i < src.length && src[i] !== '`' && !(src[i] === '$' && src[i + 1] === '{')) i += src[i] === '\\' ? 2 : 1;
    const v = src.slice(start, i);
    out.push({ t: 'tpl', v, line });
    line += v.split('\n').length - 1;
    if (src[i] === '`') i++;
    else if (i < src.length) { braces.push('${'); i += 2; }
  };
  while (i < src.length) {
    const c = src[i]!;
    const prev = out[out.length - 1];
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { const e = src.indexOf('\n', i); i = e < 0 ? src.length : e; continue; }
    if (c === '/' && src[i + 1] === '*') { const e = src.indexOf('*/', i + 2); upTo(e < 0 ? src.length : e + 2); continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out.push({ t: 'str', v: src.slice(i + 1, j), line });
      i = j + 1;
      continue;
    }
    if (c === '`') { i++; template(); continue; }
    if (c === '}' && braces.pop() === '${') { i++; template(); continue; }
    if (c === '{') braces.push('{');
    const regexHere = !prev || (prev.t === 'p' && !')]}'.includes(prev.v)) || (prev.t === 'id' && EXPR_KEYWORDS.has(prev.v));
    if (c === '/' && regexHere) {
      let j = i + 1;
      for (let cls = false; j < src.length && src[j] !== '\n' && (cls || src[j] !== '/'); j++) {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') cls = true;
        else if (src[j] === ']') cls = false;
      }
      out.push({ t: 're', v: src.slice(i, j + 1), line });
      i = j + 1;
      while (/[a-z]/i.test(src[i] ?? '')) i++;
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(src.slice(i, i + 200));
    if (word) { out.push({ t: 'id', v: word[0], line }); i += word[0].length; continue; }
    const num = /^\d[\w.]*/.exec(src.slice(i, i + 100));
    if (num) { out.push({ t: 'num', v: num[0], line }); i += num[0].length; continue; }
    out.push({ t: 'p', v: c, line });
    i++;
  }
  return out;
}

/** Network uses in one TypeScript source, as `file:line: what`; `specs` collects every module name seen. */
function networkUses(file: string, text: string, specs: string[] = []): string[] {
  const toks = tokenize(text);
  const found: string[] = [];
  const at = (tok: Tok, what: string) => found.push(`${file}:${tok.line}: ${what}`);
  /** `s` is the module name; in a call, `after` must close it, else the name is computed (`'x' + y`, `${y}`). */
  const spec = (tok: Tok, s: Tok | undefined, after: Tok | undefined | null, how: string) => {
    const literal = s && (s.t === 'str' || s.t === 'tpl') && (after === null || after?.v === ')' || after?.v === ',');
    if (!literal) { at(tok, `${how} with a computed module name (cannot be checked)`); return; }
    specs.push(s.v);
    if (isNetModule(s.v)) at(tok, `${how} '${s.v}'`);
  };
  toks.forEach((tok, k) => {
    const next = toks[k + 1];
    const prev = toks[k - 1];
    if (tok.t !== 'id') return;
    if ((tok.v === 'from' || tok.v === 'import') && next?.t === 'str') spec(tok, next, null, 'imports');
    else if (tok.v === 'import' && next?.v === '(' && prev?.v !== '.') spec(tok, toks[k + 2], toks[k + 3], 'imports');
    else if (tok.v === 'require' && next?.v === '(' && prev?.v !== '.') spec(tok, toks[k + 2], toks[k + 3], 'requires');
    else if (GLOBAL_OBJECTS.has(tok.v) && next?.v === '[' && toks[k + 2]?.t === 'str' && NET_GLOBALS.has(toks[k + 2]!.v)) {
      at(tok, `uses ${toks[k + 2]!.v}`);
    } else if (NET_GLOBALS.has(tok.v)) {
      if (prev?.v === '.') {
        if (GLOBAL_OBJECTS.has(toks[k - 2]?.v ?? '')) at(tok, `uses ${tok.v}`);
        return; // a member of something else: cursor.fetch()
      }
      const keyColon = next?.v === ':' || (next?.v === '?' && toks[k + 2]?.v === ':');
      if (keyColon && prev && '{,;'.includes(prev.v)) return; // an object key or a property signature
      if (next?.v === '(' && (!prev || '{};'.includes(prev.v) || ['async', 'static', 'public', 'private', 'protected', 'get'].includes(prev.v))) {
        let depth = 0;
        let j = k + 1;
        for (; j < toks.length; j++) {
          if (toks[j]!.v === '(') depth++;
          else if (toks[j]!.v === ')' && --depth === 0) break;
        }
        if (toks[j + 1]?.v === '{' || toks[j + 1]?.v === ':') return; // a method declaration
      }
      at(tok, `uses ${tok.v}`);
    }
  });
  return found;
}

/** Sockets in a C source: network headers and calls (comments removed first). */
function cNetworkUses(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');
  const bad = /#\s*include\s*<(sys\/socket|netdb|netinet\/[\w.]+|arpa\/inet|curl\/[\w.]+)\.h>|\b(socket|connect|getaddrinfo|gethostbyname|sendto)\s*\(/g;
  const found: string[] = [];
  for (const m of code.matchAll(bad)) {
    found.push(`${file}:${code.slice(0, m.index).split('\n').length}: ${m[0].trim()}`);
  }
  return found;
}

function filesUnder(dir: string, ext: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

// The permitted network uses, each for the reason ARCHITECTURE §2 allows (the unit's LAN only).
const ALLOWED: Record<string, string> = {
  'src/compliance/lan-webhook.ts': 'the alert webhook channel: private/loopback IP literals only (notOnLan, tested)',
  'src/demo/run-demo.ts': "the demo's own webhook receiver, listening on 127.0.0.1",
  'src/demo/upstream-stories.ts': "the demo's own Ceph RGW on 127.0.0.1",
  'src/upstream/objects/bucket.ts': 'the backend S3 bucket: upstream.endpoint a private/loopback IP literal only (bucketFor → notOnLan, tested)',
  'src/upstream/catalog/pg.ts': 'the central catalog (upstream.catalog): a PostgreSQL on a LAN IP address only (notOnLan)',
};

describe('invariant 6 in the source', () => {
  it('no module under src/ imports a network module or uses fetch/WebSocket', () => {
    const files = filesUnder(path.join(ROOT, 'src'), /\.ts$/);
    expect(files.length).toBeGreaterThan(10);
    let imports = 0;
    const uses = files.flatMap((f) => {
      const text = fs.readFileSync(f, 'utf8');
      const specs: string[] = [];
      const rel = path.relative(ROOT, f);
      const found = networkUses(rel, text, specs).filter(() => ALLOWED[rel] === undefined);
      // The lexer kept in step with the file: it saw every import a line-based reading sees.
      const plain = [...text.matchAll(/^\s*(?:import|export)\s[^;'"()]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)]
        .map((m) => m[1] ?? m[2]);
      expect(specs, f).toEqual(expect.arrayContaining(plain));
      imports += plain.length;
      return found;
    });
    expect(imports).toBeGreaterThan(files.length);
    expect(uses, `network use found (invariant 6):\n${uses.join('\n')}`).toEqual([]);
  });

  it('the native probes open no sockets', () => {
    const files = filesUnder(path.join(ROOT, 'native-probes'), /\.[ch]$/);
    const uses = files.flatMap((f) => cNetworkUses(path.relative(ROOT, f), fs.readFileSync(f, 'utf8')));
    expect(uses, `network use found (invariant 6):\n${uses.join('\n')}`).toEqual([]);
  });

  it.each([
    [`import http from 'node:http';`, /imports 'node:http'/],
    [`import { request } from "https";`, /imports 'https'/],
    [`import * as net from 'node:net';`, /imports 'node:net'/],
    [`import dgram from 'dgram';`, /imports 'dgram'/],
    [`import { connect } from 'node:tls';`, /imports 'node:tls'/],
    [`import { lookup } from 'node:dns/promises';`, /imports 'node:dns\/promises'/],
    [`export { connect } from 'node:http2';`, /imports 'node:http2'/],
    [`const { fetch } = await import('undici');`, /imports 'undici'/],
    [`const h = require('http');`, /requires 'http'/],
    [`import h = require('node:https');`, /requires 'node:https'/],
    [`const m = await import(name);`, /computed module name/],
    ["const m = await import(`node:${'http'}`);", /computed module name/],
    [`const m = await import('node:' + 'http');`, /computed module name/],
    ["const h = await import(`node:https`);", /imports 'node:https'/],
    [`const re = /["']/; const ws = new WebSocket(u);`, /uses WebSocket/],
    ["const t = `${a}`; fetch(u);", /uses fetch/],
    ["const t = `a ${ { x: fetch(u) }.x } b`;", /uses fetch/],
    [`x ? fetch(u) : 0;`, /uses fetch/],
    [`/* a\nb */ import http from 'http';`, /x\.ts:2: imports 'http'/],
    [`await fetch('https://example.org/');`, /uses fetch/],
    [`await globalThis.fetch(url);`, /uses fetch/],
    [`const f = globalThis['fetch'];`, /uses fetch/],
    [`const ws = new WebSocket('wss://x');`, /uses WebSocket/],
    [`const x = new XMLHttpRequest();`, /uses XMLHttpRequest/],
  ])('catches %s', (src, want) => {
    expect(networkUses('x.ts', src).join('\n')).toMatch(want);
  });

  it.each([
    `// we never fetch('http://...') anything, nor import 'node:http'`,
    `const s = "import http from 'node:http'; fetch(x)";`,
    `import fs from 'node:fs'; import { spawn } from 'node:child_process'; const u = await import('usb');`,
    `const row = cursor.fetch(); const o = { fetch: 1 }; class A { fetch() {} }`,
    `let st: import('node:fs').Stats;`,
    "const s = `fetch(${x}) from 'http'`;",
    `const re = /fetch\(/g; const r2 = /import 'http'/;`,
    `interface Client { fetch(): Promise<void>; WebSocket?: number }`,
  ])('leaves alone %s', (src) => {
    expect(networkUses('x.ts', src)).toEqual([]);
  });

  it.each([
    ['#include <sys/socket.h>', /sys\/socket/],
    ['int s = socket(AF_INET, SOCK_STREAM, 0);', /socket\(/],
    ['getaddrinfo(host, 0, 0, &r);', /getaddrinfo/],
  ])('catches C %s', (src, want) => {
    expect(cNetworkUses('x.c', src).join('\n')).toMatch(want);
  });

  it('leaves alone C comments and ordinary calls', () => {
    expect(cNetworkUses('x.c', '/* no socket( here */ // connect(x)\nint fd = open(path, O_RDONLY);')).toEqual([]);
  });
});

// --- behaviour: the built CLI in a network namespace with nothing but a downed loopback ---------

function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root for `unshare -n`';
  if (!fs.existsSync(CLI)) return `${path.relative(ROOT, CLI)} is not built (scripts/bootstrap.sh)`;
  const r = spawnSync('unshare', ['-n', 'true'], { encoding: 'utf8' });
  if (r.error) return `unshare is not available: ${r.error.message}`;
  if (r.status !== 0) return `unshare -n failed here: ${r.stderr.trim()}`;
  return undefined;
}
const why = netnsUnavailable();

const dir = tempDir('nonet');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The built CLI inside `unshare -n`, optionally under strace recording socket(2) calls. */
function offline(args: string[], straceOut?: string) {
  const cmd = [...(straceOut ? ['strace', '-f', '-qq', '-e', 'trace=socket,connect', '-o', straceOut] : []),
    'unshare', '-n', process.execPath, CLI, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, EVIDOCK_CONFIG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skipUnless('evidock in a network namespace', why))('invariant 6 at run time: evidock works with no network at all', () => {
  it('the namespace really has no route anywhere', () => {
    const probe = `require('net').connect(53, '1.1.1.1').on('error', (e) => { console.log(e.code); process.exit(0); })
      .on('connect', () => { console.log('CONNECTED'); process.exit(1); });`;
    const r = spawnSync('unshare', ['-n', process.execPath, '-e', probe], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim()).toBe('ENETUNREACH');
  });

  it('config check, ingest of a camera volume and verify all succeed offline', () => {
    const cfg = writeConfig(dir);
    const vol = path.join(dir, 'camera');
    const files = makeRandomVolume(vol, { serial: 'NET0001', sizes: [30_000, 1, 70_000] });

    const check = offline(['--config', cfg.file, 'config', 'check', '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true });

    const hasStrace = spawnSync('strace', ['-V']).status === 0;
    if (!hasStrace) console.warn('no-network.test: strace is not installed; socket(2) calls are not recorded');
    const trace = path.join(dir, 'ingest.strace');
    const ingest = offline(['--config', cfg.file, 'ingest', vol, '--json'], hasStrace ? trace : undefined);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ device: 'NET0001', files: files.length, stored: files.length, failed: 0 });

    const verify = offline(['--config', cfg.file, 'verify', '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ objects: files.length, ok: files.length });

    if (hasStrace) {
      // Not even an attempt: a failed connect() in the namespace would still be a broken invariant.
      const ipSockets = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => /AF_INET6?\b/.test(l));
      expect(ipSockets).toEqual([]);
    }
  });
});
