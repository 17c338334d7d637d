// lsof's field output for listening TCP sockets: the exact format (captured from lsof 4.95 with
// `-nP -iTCP -sTCP:LISTEN -F pcnt`, and the macOS form with `f` lines), the argv, "nothing listens".
import { describe, expect, it } from 'vitest';
import { FakeCommandRunner } from '../fake';
import { LSOF_ARGV, listLsofListeningSockets, parseLsofListen } from './lsof';

/** Captured on Linux from three node listeners: `listen(18125)`, `listen(18123, '127.0.0.1')`, `listen(18124, '::')`. */
const LINUX = 'p10961\ncnode\ntIPv6\nn*:18125\ntIPv4\nn127.0.0.1:18123\ntIPv6\nn*:18124\n';

/** The macOS form: file descriptor lines before each file, several processes, IPv6 in brackets. */
const DARWIN = [
  'p312', 'cmDNSResponder', 'f5', 'tIPv4', 'n*:5353',
  'p501', 'cnginx', 'f6', 'tIPv4', 'n*:80', 'f7', 'tIPv6', 'n*:80',
  'p777', 'cControlCenter', 'f12', 'tIPv4', 'n127.0.0.1:7000', 'f13', 'tIPv6', 'n[::1]:7000', 'f14', 'tIPv6', 'n[fe80::1%lo0]:7001',
  'p900', 'cpostgres', 'f8', 'tIPv6', 'n[::ffff:127.0.0.1]:5432',
].join('\n') + '\n';

describe('parseLsofListen', () => {
  it('reads the Linux capture: the t field decides the wildcard family', () => {
    expect(parseLsofListen(LINUX)).toEqual([
      { address: '::', port: 18125, family: 6, pid: 10961, process: 'node' },
      { address: '127.0.0.1', port: 18123, family: 4, pid: 10961, process: 'node' },
      { address: '::', port: 18124, family: 6, pid: 10961, process: 'node' },
    ]);
  });

  it('reads the macOS form; zoned addresses are skipped, IPv4-mapped ones count as IPv4', () => {
    expect(parseLsofListen(DARWIN)).toEqual([
      { address: '0.0.0.0', port: 5353, family: 4, pid: 312, process: 'mDNSResponder' },
      { address: '0.0.0.0', port: 80, family: 4, pid: 501, process: 'nginx' },
      { address: '::', port: 80, family: 6, pid: 501, process: 'nginx' },
      { address: '127.0.0.1', port: 7000, family: 4, pid: 777, process: 'ControlCenter' },
      { address: '::1', port: 7000, family: 6, pid: 777, process: 'ControlCenter' },
      { address: '127.0.0.1', port: 5432, family: 4, pid: 900, process: 'postgres' },
    ]);
  });

  it('skips malformed names and keeps going; a wildcard without a t field is IPv4', () => {
    expect(parseLsofListen('pX\nn*:1\np5\ncsh\nn*:0\nnlocalhost:80\nn*:99999\nn*:22\n')).toEqual([
      { address: '0.0.0.0', port: 1, family: 4 },
      { address: '0.0.0.0', port: 22, family: 4, pid: 5, process: 'sh' },
    ]);
  });
});

describe('listLsofListeningSockets', () => {
  it('runs lsof with its argv (no shell) and parses the output', async () => {
    const runner = new FakeCommandRunner().on([...LSOF_ARGV], { stdout: LINUX });
    expect(await listLsofListeningSockets(runner)).toHaveLength(3);
    expect(runner.commands()).toEqual(['lsof -nP -iTCP -sTCP:LISTEN -F pcnt']);
  });

  it('reads exit status 1 without output as "nothing listens"; other failures reject', async () => {
    expect(await listLsofListeningSockets(new FakeCommandRunner().on(['lsof'], { fail: { exitCode: 1 } }))).toEqual([]);
    await expect(listLsofListeningSockets(new FakeCommandRunner().on(['lsof'], { fail: { missingBinary: true } }))).rejects.toThrow(/lsof/);
  });
});
