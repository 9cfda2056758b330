// A datagram socket where systemd's NOTIFY_SOCKET would be (python3 listening), for sd_notify tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

const LISTENER = `
import json, os, socket, struct, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(('\\0' + addr[1:]) if addr.startswith('@') else addr)
print(json.dumps({'listening': True}), flush=True)
while True:
    data, anc, flags, _ = s.recvmsg(65536, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('iII', payload[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for fd in struct.unpack('%di' % (len(payload) // 4), payload[:len(payload) // 4 * 4]):
                os.close(fd)  # BARRIER=1 carries a pipe: closing it is systemd's "processed"
    print(json.dumps({'msg': data.decode(), 'pid': pid}), flush=True)
`;

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
export const missing = [
  has('python3', ['-c', 'import socket; socket.SO_PASSCRED']) ? '' : 'python3',
  has('systemd-notify', ['--version']) ? '' : 'systemd-notify (package systemd)',
].filter(Boolean);
if (missing.length) console.warn(`notify.test: skipping socket tests: ${missing.join(', ')} not installed`);

export interface Datagram { msg: string; pid: number | null }

/** A datagram socket like systemd's NOTIFY_SOCKET; `messages` excludes BARRIER=1 round trips. */
export async function listen(address: string): Promise<{ messages: Datagram[]; child: ChildProcess; until(n: number): Promise<Datagram[]> }> {
  const child = spawn('python3', ['-c', LISTENER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: Datagram[] = [];
  let buf = '';
  let resolveUp!: () => void;
  const up = new Promise<void>((r) => { resolveUp = r; });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = JSON.parse(buf.slice(0, i)) as Datagram & { listening?: boolean };
      buf = buf.slice(i + 1);
      if (line.listening) resolveUp();
      else if (line.msg !== 'BARRIER=1') messages.push(line);
    }
  });
  await up;
  const until = async (n: number) => {
    for (const end = Date.now() + 10_000; messages.length < n && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    return messages;
  };
  return { messages, child, until };
}

