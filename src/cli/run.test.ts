// The CLI entry in-process with a fake Io: commands that need no service, help, exit codes.
import { describe, expect, it } from 'vitest';
import { run } from './run';
import { fakeIo } from './test-io';

const SECRET_C = 'wgmesh://v1/SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0IHNlY3JldCB0aGF0IGlzIGxvbmcgZW5vdWdoIGZvciB0aGUga2V5IGRlcml2YXRpb24u';

describe('cloudroof run()', () => {
  it('prints the top help on --help (exit 0) and on no arguments (stderr, exit 2)', async () => {
    const io = fakeIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.stdout).toContain('Usage: cloudroof [--socket PATH] COMMAND');
    const bare = fakeIo();
    expect(await run([], bare)).toBe(2);
    expect(bare.stderr).toContain('Commands:');
  });

  it('has help for every command', async () => {
    for (const cmd of ['init', 'join', 'leave', 'status', 'peers', 'watch', 'version', 'demo']) {
      const io = fakeIo();
      expect(await run([cmd, '--help'], io)).toBe(0);
      expect(io.stdout).toMatch(new RegExp(`^Usage: cloudroof ${cmd}`));
      const viaHelp = fakeIo();
      expect(await run(['help', cmd], viaHelp)).toBe(0);
      expect(viaHelp.stdout).toBe(io.stdout);
    }
  });

  it('reports unknown commands without echoing odd words', async () => {
    const io = fakeIo();
    expect(await run(['frobnicate'], io)).toBe(2);
    expect(io.stderr).toBe("cloudroof: unknown command 'frobnicate'\nRun 'cloudroof --help' for usage.\n");
    const pasted = fakeIo();
    expect(await run(['wgmesh://v1/some-secret-pasted-here'], pasted)).toBe(2);
    expect(pasted.stderr).not.toContain('some-secret');
  });

  it('init needs --secret', async () => {
    const io = fakeIo();
    expect(await run(['init'], io)).toBe(2);
    expect(io.stderr).toContain('init needs --secret');
  });

  it('status --secret derives without the service, in JSON and text', async () => {
    const io = fakeIo();
    expect(await run(['status', '--secret', SECRET_C, '--json', '--interface', 'cr0'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toEqual({
      interface: 'cr0', network_id: '70565bbf619314af', mesh_subnet: '10.188.0.0/16',
      mesh_ipv6_prefix: 'fd30:406d:245c:dfb5::/64', gossip_port: 52613, rendezvous_id: '259567bb7cfcd703', service_status: 'inactive',
    });
    const text = fakeIo({ stdin: SECRET_C + '\n' });
    expect(await run(['status', '--secret', '-'], text)).toBe(0);
    expect(text.stderr).toBe('');
    for (const line of ['Interface: wg0', 'Network ID: 70565bbf619314af', 'Mesh Subnet: 10.188.0.0/16', 'Mesh IPv6 Prefix: ', 'Gossip Port: 52613', 'Rendezvous ID: 259567bb7cfcd703', 'Service Status: inactive']) {
      expect(text.stdout).toContain(line);
    }
  });

  it('status --secret refuses a bad interface or subnet, and --interface needs --secret', async () => {
    const iface = fakeIo();
    expect(await run(['status', '--secret', SECRET_C, '--interface', '../evil'], iface)).toBe(1);
    expect(iface.stderr).toContain('invalid interface name');
    const subnet = fakeIo();
    expect(await run(['status', '--secret', SECRET_C, '--mesh-subnet', '10.0.0.0/31'], subnet)).toBe(1);
    expect(subnet.stderr).toContain('prefix length must be at most /30');
    expect(await run(['status', '--interface', 'wg1'], fakeIo())).toBe(2);
  });

  it('join: needs a secret when stdin is a terminal; refuses short and empty secrets; both sources is a usage error', async () => {
    const none = fakeIo({ tty: true });
    expect(await run(['join'], none)).toBe(2);
    expect(none.stderr).toContain('join needs a secret');
    const short = fakeIo({ stdin: 'short-secret\n' });
    expect(await run(['join'], short)).toBe(1);
    expect(short.stderr).toContain('at least 16 bytes');
    expect(short.stderr).not.toContain('short-secret');
    const empty = fakeIo({ stdin: '  \n' });
    expect(await run(['join'], empty)).toBe(1);
    expect(empty.stderr).toBe('cloudroof: no secret on stdin\n');
    expect(await run(['join', '--secret', 'x', '--secret-file', 'y'], fakeIo())).toBe(2);
    const missing = fakeIo();
    expect(await run(['join', '--secret-file', '/nonexistent/secret'], missing)).toBe(1);
    expect(missing.stderr).toBe('cloudroof: cannot read secret file /nonexistent/secret (ENOENT)\n');
  });

  it('join with a valid secret and no service says how to start it', async () => {
    const io = fakeIo({ stdin: SECRET_C });
    expect(await run(['join'], io)).toBe(1);
    expect(io.stderr).toBe('cloudroof: cloudroofd is not running (no socket at /nonexistent/cloudroofd.sock). Start it with: sudo cloudroofd\n');
  });

  it('version works without the service; --version and -v are the same', async () => {
    const outputs: string[] = [];
    for (const args of [['version'], ['--version'], ['-v']]) {
      const io = fakeIo();
      expect(await run(args, io)).toBe(0);
      outputs.push(io.stdout);
    }
    expect(outputs[0]).toMatch(/^cloudroof version \d+\.\d+\.\d+\ncloudroofd: not reachable/);
    expect(new Set(outputs).size).toBe(1);
  });
});
