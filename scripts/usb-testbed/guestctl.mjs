#!/usr/bin/env node
// Drives a test-bed guest started by hand (README "By hand"): runs commands in it through the
// agent's virtio-serial socket, and QMP commands (hot-plug) through QEMU's monitor socket.
//   node guestctl.mjs DIR exec ARGV...          run ARGV in the guest as root; its output, its exit code
//   node guestctl.mjs DIR qmp COMMAND [JSON]    one QMP command, e.g. device_del '{"id":"cam1"}'
// DIR holds cmd.sock and qmp.sock (the -chardev/-qmp paths). Node only, no dependencies.
import net from 'node:net';
import path from 'node:path';

const [dir, what, ...rest] = process.argv.slice(2);
if (!dir || !['exec', 'qmp'].includes(what ?? '') || rest.length === 0) {
  console.error('usage: guestctl.mjs DIR exec ARGV... | guestctl.mjs DIR qmp COMMAND [JSON-ARGUMENTS]');
  process.exit(2);
}

/** JSON lines over a unix socket: send(obj), next(pred, ms) → the first message pred accepts. */
async function connect(sock) {
  for (let i = 0; ; i++) {
    try {
      const s = await new Promise((res, rej) => { const c = net.createConnection(sock, () => res(c)); c.once('error', rej); });
      const queue = [];
      let wake = null;
      let buf = '';
      s.on('data', (b) => {
        buf += b.toString();
        for (let nl; (nl = buf.indexOf('\n')) >= 0; buf = buf.slice(nl + 1)) {
          try { queue.push(JSON.parse(buf.slice(0, nl))); } catch { /* partial line from an earlier client */ }
        }
        wake?.();
      });
      const next = async (pred, ms) => {
        const end = Date.now() + ms;
        for (;;) {
          const i = queue.findIndex(pred);
          if (i >= 0) return queue.splice(i, 1)[0];
          if (Date.now() > end) return null;
          await new Promise((r) => { wake = r; setTimeout(r, 100); });
        }
      };
      return { send: (o) => s.write(JSON.stringify(o) + '\n'), next, close: () => s.destroy() };
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

if (what === 'exec') {
  const c = await connect(path.join(dir, 'cmd.sock'));
  // The agent re-opens its port when a client goes: a request sent meanwhile is lost, so ping
  // until it answers (and until /init has finished), then send the command once.
  for (let n = 0; ; n++) {
    c.send({ id: `p${n}`, cmd: 'ping' });
    const r = await c.next((m) => m.id === `p${n}`, 1000);
    if (r?.ready) break;
    if (n > 300) throw new Error('guest agent not ready');
  }
  c.send({ id: 'x', cmd: 'exec', argv: rest, timeoutMs: 600_000 });
  const r = await c.next((m) => m.id === 'x', 660_000);
  c.close();
  if (!r || r.error) { console.error(r?.error ?? 'no answer'); process.exit(1); }
  process.stdout.write(Buffer.from(r.stdout, 'base64'));
  process.stderr.write(Buffer.from(r.stderr, 'base64'));
  process.exit(r.code ?? 1);
} else {
  const c = await connect(path.join(dir, 'qmp.sock'));
  await c.next((m) => 'QMP' in m, 10_000);
  c.send({ execute: 'qmp_capabilities', id: 'cap' });
  await c.next((m) => m.id === 'cap', 10_000);
  c.send({ execute: rest[0], ...(rest[1] ? { arguments: JSON.parse(rest[1]) } : {}), id: 'x' });
  const r = await c.next((m) => m.id === 'x', 30_000);
  c.close();
  console.log(JSON.stringify(r));
  process.exit(r && !r.error ? 0 : 1);
}
