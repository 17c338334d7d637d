// The built `cloudroof doctor` (dist/cloudroof.js) as a user runs it: against a socket path where
// nothing exists, against a stale socket left by a killed service, and against a real control
// server (FakeBackend) whose report it merges with its own checks.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, runCli, type CliRun } from '../support/dist';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBackend } from '../../src/service/control/fake';
import { startControlServer, type ControlServer } from '../../src/service/control/server';
import { silentLogger } from '../../src/service/log';


interface Out { ok: boolean; findings: { id: string; severity: string; message: string; fix: string }[]; checked: string[] }

function cli(socket: string, args: string[], as?: { uid: number; gid: number }): Promise<CliRun> {
  return runCli(['--socket', socket, ...args], as ? { as } : {});
}

let dir: string;

beforeAll(async () => {
  await buildIfStale();
  dir = await mkdtemp(join(tmpdir(), 'cr-doctor-'));
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cloudroof doctor (built CLI)', () => {
  it('no service at the socket path → service-down finding, exit 1', async () => {
    const r = await cli(join(dir, 'absent.sock'), ['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`error: cloudroofd is not running (no socket at ${join(dir, 'absent.sock')})`);
    expect(r.stdout).toContain('fix: sudo systemctl start cloudroofd');
    const json = await cli(join(dir, 'absent.sock'), ['doctor', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout) as Out).toMatchObject({ ok: false, findings: [{ id: 'service-not-running', severity: 'error' }], checked: ['service'] });
  });

  it('a stale socket left by a killed service → says so, exit 1', async () => {
    const sock = join(dir, 'stale.sock');
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(sock)).toBe(true);
    const r = await cli(sock, ['doctor', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.findings).toEqual([expect.objectContaining({ id: 'service-stale-socket', severity: 'error' })]);
    expect(out.findings[0]!.message).toContain('stale socket');
  });

  describe('with a running control server', () => {
    let server: ControlServer;
    let backend: FakeBackend;
    const sock = () => join(dir, 'live.sock');

    beforeAll(async () => {
      backend = new FakeBackend({ version: '0.1.0' });
      server = await startControlServer({ socketPath: sock(), backend, logger: silentLogger });
    });
    afterAll(async () => { await server?.close(); });

    it('merges the service report; exit follows its errors', async () => {
      const clean = await cli(sock(), ['doctor']);
      expect(clean.code, clean.stdout).toBe(0);
      expect(clean.stdout).toMatch(/^No problems found\.\n/);
      expect(clean.stdout).toContain('Checked: service, versions, wireguard, state-dir, mesh');
      backend.doctorResult = {
        ok: false, checked: ['edge'],
        findings: [{ id: 'nginx-missing', severity: 'error', message: 'edge mode is on but nginx is not installed', fix: 'sudo apt-get install nginx' }],
      };
      const bad = await cli(sock(), ['doctor']);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('error: edge mode is on but nginx is not installed\n  fix: sudo apt-get install nginx\n');
    });

    it.skipIf(process.getuid?.() !== 0)('a user without access to the socket → the group fix', async () => {
      await chmod(dir, 0o711); // the socket itself (0600, or 0660 root:cloudroof) is what refuses
      const r = await cli(sock(), ['doctor', '--json'], { uid: 65534, gid: 65534 });
      expect(r.code, r.stderr).toBe(1);
      const [f] = (JSON.parse(r.stdout) as Out).findings;
      expect(f).toMatchObject({ id: 'socket-permission-denied', severity: 'error' });
      expect(f!.fix).toContain('sudo usermod -aG cloudroof $USER');
    });

    it('a service of another version → warning with the restart fix', async () => {
      const other = new FakeBackend({ version: '0.0.9' });
      const s2 = await startControlServer({ socketPath: join(dir, 'old.sock'), backend: other, logger: silentLogger });
      try {
        const r = await cli(join(dir, 'old.sock'), ['doctor', '--json']);
        expect(r.code).toBe(0);
        expect((JSON.parse(r.stdout) as Out).findings).toEqual([expect.objectContaining({ id: 'version-mismatch', severity: 'warning' })]);
      } finally {
        await s2.close();
      }
    });
  });
});
