import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError, spawnedProcessCount } from '../exec';
import { FakeCommandRunner } from '../fake';
import { generateKeyPair } from './keys';
import { UserspaceWireGuardDevice } from './userspace-device';

// A stand-in for wireguard-go: serves a minimal UAPI on <dir>/<iface>.sock (argv: dir mode bin -f iface).
const fakeWireguardGo = `
const net = require('node:net'); const fs = require('node:fs');
const [dir, mode, , , name] = process.argv.slice(2);
if (mode === 'exit') { process.stderr.write('fake failure: cannot create tun'); process.exit(1); }
if (mode === 'hang') { setInterval(() => {}, 1000); return; }
const path = dir + '/' + name + '.sock';
let port = 0;
const srv = net.createServer((s) => { let b = ''; s.on('data', (d) => { b += d;
  if (!b.endsWith('\\n\\n')) return;
  const m = /listen_port=(\\d+)/.exec(b); if (b.startsWith('set=1') && m) port = Number(m[1]);
  s.write(b.startsWith('get=1') ? 'listen_port=' + port + '\\nerrno=0\\n\\n' : 'errno=0\\n\\n'); b = ''; }); });
srv.listen(path);
process.on('SIGTERM', () => { srv.close(); process.exit(0); });
`;

const dir = mkdtempSync(join(tmpdir(), 'wg-userspace-test-'));
const script = join(dir, 'fake-wireguard-go.cjs');
writeFileSync(script, fakeWireguardGo);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function noLink(): FakeCommandRunner {
  return new FakeCommandRunner().on(['ip', 'link', 'show'], { fail: { exitCode: 1, stderr: 'Device "x" does not exist.' } });
}

function device(name: string, mode: string, runner = noLink(), binary = 'wireguard-go'): UserspaceWireGuardDevice {
  return new UserspaceWireGuardDevice(name, {
    runner, platform: 'linux', socketDir: dir, spawnPrefix: ['node', script, dir, mode], binary, startTimeoutMs: 2000,
  });
}

describe('UserspaceWireGuardDevice (with a fake wireguard-go)', () => {
  it('starts, answers UAPI, and stops by PID', async () => {
    const before = spawnedProcessCount();
    const dev = device('wgu0', 'ok');
    const exits: string[] = [];
    dev.onExit((r) => exits.push(r));
    await dev.create();
    expect(spawnedProcessCount() - before).toBe(1);
    const pid = dev.pid;
    expect(pid).toBeGreaterThan(0);
    await dev.configure({ privateKey: generateKeyPair().privateKey, listenPort: 51999 });
    expect((await dev.get()).listenPort).toBe(51999);
    await dev.destroy();
    expect(dev.pid).toBeUndefined();
    expect(() => process.kill(pid ?? 0, 0)).toThrow();
    expect(existsSync(join(dir, 'wgu0.sock'))).toBe(false);
    await dev.destroy();
    expect(exits).toEqual([]);
  });

  it('reports an unexpected exit through onExit', async () => {
    const dev = device('wgu1', 'ok');
    const exited = new Promise<string>((resolve) => dev.onExit(resolve));
    await dev.create();
    process.kill(dev.pid ?? 0, 'SIGKILL');
    expect(await exited).toMatch(/wireguard-go for wgu1 exited \(SIGKILL\)/);
    await dev.destroy();
  });

  it('fails clearly with the output when the process exits during start-up', async () => {
    await expect(device('wgu2', 'exit').create()).rejects.toThrow(/exited \(code 1\) before its UAPI socket came up: fake failure: cannot create tun/);
  });

  it('gives up after the start timeout and kills the process', async () => {
    const dev = device('wgu3', 'hang');
    await expect(dev.create()).rejects.toThrow(/did not answer within 2000 ms/);
    expect(dev.pid).toBeUndefined();
  });

  it('reports a missing binary with the package name', async () => {
    const dev = new UserspaceWireGuardDevice('wgu4', { runner: noLink(), platform: 'linux', socketDir: dir, binary: '/nonexistent/wireguard-go' });
    const err = (await dev.create().catch((e: unknown) => e)) as CommandError;
    expect(err).toBeInstanceOf(CommandError);
    expect(err.missingBinary).toBe(true);
    expect(err.packageHint).toBe('wireguard-go');
  });

  it('removes a leftover link and a stale socket file before starting', async () => {
    const runner = new FakeCommandRunner();
    writeFileSync(join(dir, 'wgu5.sock'), 'stale');
    const dev = device('wgu5', 'ok', runner);
    await dev.create();
    expect(runner.commands().slice(0, 2)).toEqual(['ip link show dev wgu5', 'ip link delete dev wgu5']);
    await dev.destroy();
  });

  it('refuses a name whose socket is served by a live process', async () => {
    const path = join(dir, 'wgu6.sock');
    const srv = createServer((s) => s.on('data', () => s.write('listen_port=1\nerrno=0\n\n')));
    await new Promise<void>((r) => srv.listen(path, () => r()));
    try {
      await expect(device('wgu6', 'ok').create()).rejects.toThrow(/served by another running WireGuard process/);
    } finally {
      srv.close();
    }
  });
});
