// The /proc walk behind GET /v1/local-services, on a fake /proc: inodes mapped to processes
// through /proc/<pid>/fd links, the lowest pid winning a shared socket, the walk stopping once
// every listening inode is found, and processes that vanish or hide their fds.
import { describe, expect, it } from 'vitest';
import { findSocketOwners, listProcListeningSockets, type ProcFs } from './proc-sockets';

const HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const line = (addr: string, port: number, inode: number): string =>
  `   0: ${addr}:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 100 0 0 10 0\n`;

/** A fake /proc from a table of processes: pid → comm and fd links; every read is counted. */
function fakeProc(tcp: string, tcp6: string, procs: Record<number, { comm?: string; fds?: Record<string, string> }>): ProcFs & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async readFile(p) {
      reads.push(p);
      if (p === '/proc/net/tcp') return tcp;
      if (p === '/proc/net/tcp6') return tcp6;
      const m = /^\/proc\/([0-9]+)\/comm$/.exec(p);
      const comm = m ? procs[Number(m[1])]?.comm : undefined;
      return comm === undefined ? undefined : `${comm}\n`;
    },
    async readdir(p) {
      reads.push(p);
      if (p === '/proc') return ['self', 'net', ...Object.keys(procs), '99999'];
      const m = /^\/proc\/([0-9]+)\/fd$/.exec(p);
      const fds = m ? procs[Number(m[1])]?.fds : undefined;
      return fds ? Object.keys(fds) : undefined;
    },
    async readlink(p) {
      const m = /^\/proc\/([0-9]+)\/fd\/([0-9]+)$/.exec(p);
      return m ? procs[Number(m[1])]?.fds?.[m[2] ?? ''] : undefined;
    },
  };
}

describe('listProcListeningSockets', () => {
  it('gives each listening socket its process; the lowest pid wins a shared socket', async () => {
    const fs = fakeProc(HEAD + line('00000000', 80, 100) + line('0100007F', 3000, 200), HEAD, {
      812: { comm: 'nginx', fds: { 0: '/dev/null', 6: 'socket:[100]', 7: 'pipe:[5]' } },
      813: { comm: 'nginx', fds: { 6: 'socket:[100]' } },
      4242: { comm: 'node', fds: { 21: 'socket:[200]', 22: 'socket:[999]' } },
    });
    expect(await listProcListeningSockets(fs)).toEqual([
      { address: '0.0.0.0', port: 80, family: 4, pid: 812, process: 'nginx' },
      { address: '127.0.0.1', port: 3000, family: 4, pid: 4242, process: 'node' },
    ]);
  });

  it('leaves a socket without a process when no readable fd holds it (other pid namespace, EACCES)', async () => {
    const fs = fakeProc(HEAD + line('00000000', 22, 300), '', { 1: { comm: 'init' } });
    expect(await listProcListeningSockets(fs)).toEqual([{ address: '0.0.0.0', port: 22, family: 4 }]);
  });

  it('keeps the pid when the process name cannot be read', async () => {
    const owners = await findSocketOwners(fakeProc('', '', { 7: { fds: { 3: 'socket:[1]' } } }), new Set(['1']));
    expect([...owners]).toEqual([['1', { pid: 7 }]]);
  });

  it('stops walking once every listening inode is found', async () => {
    const fs = fakeProc(HEAD + line('00000000', 80, 100) + line('00000000', 81, 0), '', {
      5: { comm: 'a', fds: { 3: 'socket:[100]' } }, 6: { comm: 'b', fds: { 3: 'socket:[7]' } }, 7: { comm: 'c', fds: {} },
    });
    await listProcListeningSockets(fs);
    expect(fs.reads.filter((p) => p.endsWith('/fd'))).toEqual(['/proc/5/fd']);
  });
});
