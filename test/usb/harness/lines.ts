// Unix-socket plumbing shared by the QMP client and the guest-agent client.
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/** Connects to a unix socket, retrying while it does not exist yet or refuses (QEMU still starting). */
export async function connectUnix(socketPath: string, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection(socketPath);
        s.once('connect', () => { s.removeListener('error', reject); resolve(s); });
        s.once('error', reject);
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) {
        throw new Error(`cannot connect to ${socketPath}: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Calls onLine for every complete newline-terminated line read from the socket. */
export class LineReader {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(sock: net.Socket, onLine: (line: string) => void) {
    sock.on('data', (chunk: Buffer) => {
      this.pending += this.decoder.write(chunk);
      let nl: number;
      while ((nl = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, nl).trim();
        this.pending = this.pending.slice(nl + 1);
        if (line) onLine(line);
      }
    });
  }
}
