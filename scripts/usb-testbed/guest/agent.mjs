// Command agent of the USB test-bed guest, started (and restarted) by /init.
// Channel: the virtio-serial port named "evidock.cmd" (host side: a unix socket chardev).
// Protocol: newline-delimited JSON both ways. Requests carry an `id`; every answer echoes it.
//   {id, cmd:"ping"}                                         -> {id, ok, ready, uptime} (ready: /init done)
//   {id, cmd:"exec", argv, timeoutMs?, env?, cwd?, stdin?}   -> {id, code, signal, timedOut, stdout, stderr, ms}
//   {id, cmd:"spawn", argv, env?, cwd?}                      -> {id, handle, pid}
//   {id, cmd:"output", handle}                               -> {id, done, code, signal, stdout, stderr}
//   {id, cmd:"wait", handle, timeoutMs?}                     -> same as output (done:false on timeout);
//                                                              a finished job is forgotten after its wait
//   {id, cmd:"kill", handle, signal?}                        -> {id, ok}
//   {id, cmd:"readfile", path}                               -> {id, data}
//   {id, cmd:"writefile", path, data, mode?}                 -> {id, ok}
// stdin/stdout/stderr/data are base64 so any bytes survive. Failures answer {id, error}.
// The agent also sends {event:"hello"} each time it (re)opens the port.
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

const PORT_NAME = 'evidock.cmd';
const MAX_OUTPUT = 64 * 1024 * 1024;
const BASE_ENV = {
  PATH: '/evidock/.testbed/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LD_LIBRARY_PATH: '/evidock/.testbed/lib',
  HOME: '/root',
  TERM: 'dumb',
};

const log = (...a) => console.error('evidock-agent:', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uptime = () => Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

function findPort() {
  const dir = '/sys/class/virtio-ports';
  for (const ent of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    try {
      if (fs.readFileSync(`${dir}/${ent}/name`, 'utf8').trim() === PORT_NAME) return `/dev/${ent}`;
    } catch { /* port vanished */ }
  }
  return null;
}

/** A child whose output is kept (capped) until someone collects it. */
class Job {
  constructor(argv, opts) {
    this.out = [];
    this.err = [];
    this.outLen = 0;
    this.errLen = 0;
    this.done = false;
    this.code = null;
    this.signal = null;
    this.waiters = [];
    // Own process group, so a kill reaches grandchildren (sh -c pipelines) too.
    this.child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd ?? '/', env: { ...BASE_ENV, ...(opts.env ?? {}) }, detached: true,
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    this.child.stdout.on('data', (b) => this.#keep('out', b));
    this.child.stderr.on('data', (b) => this.#keep('err', b));
    if (opts.stdin) this.child.stdin.end(Buffer.from(opts.stdin, 'base64'));
    this.child.on('error', (e) => { this.#keep('err', Buffer.from(String(e.message) + '\n')); this.#finish(127, null); });
    this.child.on('close', (code, signal) => this.#finish(code, signal));
  }
  #keep(which, b) {
    const len = which === 'out' ? this.outLen : this.errLen;
    if (len >= MAX_OUTPUT) return;
    const part = b.subarray(0, MAX_OUTPUT - len);
    this[which].push(part);
    if (which === 'out') this.outLen += part.length; else this.errLen += part.length;
  }
  #finish(code, signal) {
    if (this.done) return;
    this.done = true;
    this.code = code;
    this.signal = signal;
    for (const w of this.waiters.splice(0)) w();
  }
  kill(signal = 'SIGTERM') {
    if (this.done) return;
    try { process.kill(-this.pid, signal); } catch { try { this.child.kill(signal); } catch { /* gone */ } }
  }
  wait(timeoutMs) {
    if (this.done) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => { clearTimeout(t); resolve(true); });
    });
  }
  snapshot() {
    return {
      done: this.done, code: this.code, signal: this.signal, pid: this.pid,
      stdout: Buffer.concat(this.out).toString('base64'),
      stderr: Buffer.concat(this.err).toString('base64'),
    };
  }
}

const jobs = new Map();
let nextHandle = 1;

async function handle(req) {
  switch (req.cmd) {
    case 'ping':
      return { ok: true, ready: fs.existsSync('/run/evidock-ready'), uptime: uptime() };
    case 'exec': {
      const t0 = Date.now();
      const job = new Job(req.argv, req);
      const finished = await job.wait(req.timeoutMs ?? 60_000);
      if (!finished) { job.kill('SIGKILL'); await job.wait(5_000); }
      return { ...job.snapshot(), timedOut: !finished, ms: Date.now() - t0 };
    }
    case 'spawn': {
      const job = new Job(req.argv, req);
      const h = nextHandle++;
      jobs.set(h, job);
      return { handle: h, pid: job.pid };
    }
    case 'output':
    case 'wait': {
      const job = jobs.get(req.handle);
      if (!job) throw new Error(`no such handle ${req.handle}`);
      if (req.cmd === 'wait') {
        await job.wait(req.timeoutMs ?? 60_000);
        if (job.done) jobs.delete(req.handle); // collected
      }
      return job.snapshot();
    }
    case 'kill': {
      const job = jobs.get(req.handle);
      if (!job) throw new Error(`no such handle ${req.handle}`);
      job.kill(req.signal ?? 'SIGTERM');
      return { ok: true };
    }
    case 'readfile':
      return { data: fs.readFileSync(req.path).toString('base64') };
    case 'writefile':
      fs.writeFileSync(req.path, Buffer.from(req.data ?? '', 'base64'), { mode: req.mode ?? 0o644 });
      return { ok: true };
    default:
      throw new Error(`unknown cmd ${JSON.stringify(req.cmd)}`);
  }
}

/** Serves one open of the port until the host side disconnects (read returns 0). */
async function serve(path) {
  // virtio-serial allows one open per port, so a single read-write fd carries both directions.
  const fh = await fs.promises.open(path, 'r+');
  let writing = Promise.resolve();
  const send = (msg) => {
    const b = Buffer.from(JSON.stringify(msg) + '\n');
    writing = writing.then(async () => {
      for (let off = 0; off < b.length;) off += (await fh.write(b, off, b.length - off)).bytesWritten;
    }).catch((e) => log('write failed:', e.message));
  };
  send({ event: 'hello', pid: process.pid, uptime: uptime() });
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(1 << 16);
  let pending = '';
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      pending += decoder.write(buf.subarray(0, bytesRead));
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        let req;
        try { req = JSON.parse(line); } catch { send({ error: `bad json: ${line.slice(0, 200)}` }); continue; }
        // Requests run concurrently; answers go out in completion order, matched by id.
        handle(req).then((r) => send({ id: req.id, ...r }), (e) => send({ id: req.id, error: String(e?.message ?? e) }));
      }
    }
  } finally {
    // A write blocks while the host is away; do not hang on it (it drains on reconnect).
    await Promise.race([writing, sleep(1000)]);
    await fh.close().catch(() => {});
  }
}

process.on('uncaughtException', (e) => log('uncaught:', e?.stack ?? e));
process.on('unhandledRejection', (e) => log('unhandled:', e?.stack ?? e));

for (let warned = false; ;) {
  const port = findPort();
  if (!port) {
    if (!warned) log(`port ${PORT_NAME} not found; waiting`);
    warned = true;
    await sleep(500);
    continue;
  }
  try { await serve(port); } catch (e) { log('serve:', e.message); }
  await sleep(200); // host not connected: read returns EOF at once, so poll gently
}
