// `cloudroof doctor` in-process: the CLI-side findings (service down, stale socket, permission,
// versions), merging with the service's report, text and JSON output, exit codes.
import { describe, expect, it } from 'vitest';
import { ControlError, PROTOCOL_VERSION, type DoctorReport } from '../../shared/protocol';
import { run } from '../run';
import { fakeIo, runWithStub } from '../test-io';
import { ClientError } from '../../client/transport';
import { CLI_VERSION } from '../version';
import { doctorCommand, formatDoctor } from './doctor';
import { unreachableFinding, versionFindings } from './doctor-checks';

const version = { version: CLI_VERSION, protocolVersion: PROTOCOL_VERSION };
const clean: DoctorReport = { ok: true, findings: [], checked: ['wireguard', 'state-dir', 'mesh'] };
const fwdOff: DoctorReport = {
  ok: false, checked: ['wireguard', 'routes'],
  findings: [
    { id: 'not-joined', severity: 'info', message: 'this node is not in a mesh', fix: 'sudo cloudroof join --secret-file FILE' },
    { id: 'forwarding-ipv4-off', severity: 'error', message: 'IPv4 forwarding is off', fix: 'sudo sysctl -w net.ipv4.ip_forward=1' },
  ],
};
const refused = (errno: string, code: 'not-running' | 'permission-denied' = 'not-running') => new ClientError(code, 'cloudroofd is not running', errno);

describe('cloudroof doctor', () => {
  it('all well: "No problems found", what was checked, exit 0', async () => {
    const { code, io, calls } = await runWithStub(doctorCommand, [], { version, doctor: clean });
    expect(code).toBe(0);
    expect(calls).toEqual([['version'], ['doctor']]);
    expect(io.stdout).toBe('No problems found.\n\nChecked: service, versions, wireguard, state-dir, mesh\n');
  });

  it('prints errors first, each with its fix, and exits 1', async () => {
    const { code, io } = await runWithStub(doctorCommand, [], { version, doctor: fwdOff });
    expect(code).toBe(1);
    expect(io.stdout).toBe([
      'Found 1 error and 0 warnings.',
      '',
      'error: IPv4 forwarding is off',
      '  fix: sudo sysctl -w net.ipv4.ip_forward=1',
      'info: this node is not in a mesh',
      '  fix: sudo cloudroof join --secret-file FILE',
      '',
      'Checked: service, versions, wireguard, routes',
      '',
    ].join('\n'));
  });

  it('--json: { ok, findings, checked } in snake_case', async () => {
    const { code, io } = await runWithStub(doctorCommand, [], { version, doctor: fwdOff }, undefined, { json: true });
    expect(code).toBe(1);
    const out = JSON.parse(io.stdout) as { ok: boolean; findings: { id: string; severity: string; fix: string }[]; checked: string[] };
    expect(out.ok).toBe(false);
    expect(out.findings.map((f) => f.id)).toEqual(['not-joined', 'forwarding-ipv4-off']);
    expect(out.checked).toEqual(['service', 'versions', 'wireguard', 'routes']);
  });

  it('service down (no socket) → error with systemctl start, exit 1, no further calls', async () => {
    const { code, io, calls } = await runWithStub(doctorCommand, [], { version: refused('ENOENT') });
    expect(code).toBe(1);
    expect(calls).toEqual([['version']]);
    expect(io.stdout).toContain('error: cloudroofd is not running (no socket at /x)\n  fix: sudo systemctl start cloudroofd\n');
    expect(io.stdout).toContain('Checked: service\n');
  });

  it('a stale socket, permission denied, a hanging service', () => {
    expect(unreachableFinding(refused('ECONNREFUSED'), '/run/cloudroof/cloudroofd.sock')).toMatchObject({
      id: 'service-stale-socket', severity: 'error', fix: expect.stringContaining('sudo systemctl restart cloudroofd') as unknown,
    });
    expect(unreachableFinding(refused('ECONNREFUSED'), '/s').message).toContain('stale socket');
    expect(unreachableFinding(refused('EACCES', 'permission-denied'), '/s')).toMatchObject({
      id: 'socket-permission-denied', fix: 'add yourself to the cloudroof group: sudo usermod -aG cloudroof $USER, then log in again (or run cloudroof with sudo)',
    });
    expect(unreachableFinding(new ClientError('timeout', 'no answer'), '/s').id).toBe('service-not-answering');
    expect(unreachableFinding(new Error('odd'), '/s').id).toBe('service-unreachable');
  });

  it('version and protocol mismatches', async () => {
    expect(versionFindings(version, CLI_VERSION)).toEqual([]);
    expect(versionFindings({ version: '0.0.1', protocolVersion: PROTOCOL_VERSION }, CLI_VERSION)).toEqual([
      expect.objectContaining({ id: 'version-mismatch', severity: 'warning', fix: expect.stringContaining('sudo systemctl restart cloudroofd') as unknown }),
    ]);
    const { code, io } = await runWithStub(doctorCommand, [], { version: { version: CLI_VERSION, protocolVersion: PROTOCOL_VERSION + 1 }, doctor: clean });
    expect(code).toBe(1);
    expect(io.stdout).toContain(`error: this CLI speaks control protocol ${PROTOCOL_VERSION} but cloudroofd speaks ${PROTOCOL_VERSION + 1}`);
  });

  it('an older service without the doctor endpoint: a warning, the CLI checks still count', async () => {
    const { code, io } = await runWithStub(doctorCommand, [], { version, doctor: new ControlError('not-found', 'no such endpoint') });
    expect(code).toBe(0);
    expect(io.stdout).toContain('warning: cloudroofd');
    expect(io.stdout).toContain('has no doctor endpoint');
  });

  it('through run(): help, and a socket where nothing exists', async () => {
    const help = fakeIo();
    expect(await run(['doctor', '--help'], help)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cloudroof doctor \[--json\]/);
    const io = fakeIo();
    expect(await run(['doctor', '--json'], io)).toBe(1);
    const out = JSON.parse(io.stdout) as { ok: boolean; findings: { id: string }[] };
    expect(out).toMatchObject({ ok: false, findings: [{ id: 'service-not-running' }] });
  });

  it('formats multi-line fixes indented', () => {
    const text = formatDoctor({ ok: true, checked: ['x'], findings: [{ id: 'w', severity: 'warning', message: 'm', fix: 'a\nb' }] });
    expect(text).toContain('  fix: a\n       b\n');
  });
});
