import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiagnosticsResponse } from '../../shared/protocol';
import { ControlError } from '../../shared/protocol';
import { CliError } from '../errors';
import { runWithStub } from '../test-io';
import { bugreportCommand, fileTimestamp, readmeText, reportBaseName } from './bugreport';

const report: DiagnosticsResponse = {
  collectedAt: Date.UTC(2026, 10, 25, 6, 0, 0), hostname: 'edge 1/a', version: '0.1.0',
  sections: { 'status.json': '{"tunnelState":"connected"}\n', 'logs.txt': 'line\n', 'ip-addr.txt': '$ ip -d addr\n', 'extra.txt': 'x' },
  redactions: { secrets: 2, keys: 1, publicIPv4: 3, publicIPv6: 0 },
};

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'cr-bugreport-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cloudroof bugreport', () => {
  it('names the archive after the host and UTC time', () => {
    expect(fileTimestamp(report.collectedAt)).toBe('20261125T060000Z');
    expect(reportBaseName(report)).toBe('cloudroof-bugreport-edge-1-a-20261125T060000Z');
    expect(reportBaseName({ ...report, hostname: '[public-ipv4-1]' })).toBe('cloudroof-bugreport-public-ipv4-1-20261125T060000Z');
    expect(reportBaseName({ ...report, hostname: '///' })).toBe('cloudroof-bugreport-host-20261125T060000Z');
  });

  it('writes a .tar.gz with README.txt and one file per section, 0600, and prints its path', async () => {
    const out = join(dir, 'r.tar.gz');
    const r = await runWithStub(bugreportCommand, [], { diagnostics: report }, undefined, { output: out });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([['diagnostics']]);
    expect(r.io.stdout).toBe(`${out}\n`);
    expect(r.io.stderr).toContain('redacted 2 secret occurrence(s), 1 key(s), 3 public address(es)');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    execFileSync('tar', ['-xzf', out], { cwd: dir });
    const base = join(dir, 'cloudroof-bugreport-edge-1-a-20261125T060000Z');
    expect(readdirSync(base).sort()).toEqual(['README.txt', 'extra.txt', 'ip-addr.txt', 'logs.txt', 'status.json']);
    expect(readFileSync(join(base, 'status.json'), 'utf8')).toBe(report.sections['status.json']);
    expect(readFileSync(join(base, 'README.txt'), 'utf8')).toBe(readmeText(report));
  });

  it('writes to ./cloudroof-bugreport-<host>-<time>.tar.gz by default', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await runWithStub(bugreportCommand, [], { diagnostics: report });
      expect(r.io.stdout).toBe(`${join(dir, 'cloudroof-bugreport-edge-1-a-20261125T060000Z.tar.gz')}\n`);
    } finally {
      process.chdir(cwd);
    }
  });

  it('describes what was collected and redacted in README.txt', () => {
    const text = readmeText(report);
    expect(text).toContain('Node edge 1/a, cloudroofd 0.1.0, collected 2026-11-25T06:00:00.000Z');
    expect(text).toMatch(/status\.json\s+state, interface/);
    expect(text).toMatch(/\n {2}extra\.txt\n/);
    expect(text).toContain('This report: 2 secret occurrence(s), 1 key(s), 3 public IPv4 and 0 public IPv6 address(es) replaced.');
  });

  it('never overwrites an existing file, and passes service errors on', async () => {
    const out = join(dir, 'exists.tar.gz');
    writeFileSync(out, 'mine');
    await expect(runWithStub(bugreportCommand, [], { diagnostics: report }, undefined, { output: out })).rejects.toThrow(CliError);
    expect(readFileSync(out, 'utf8')).toBe('mine');
    await expect(runWithStub(bugreportCommand, [], { diagnostics: new ControlError('internal', 'internal error') }, undefined, { output: join(dir, 'b') }))
      .rejects.toThrow('internal error');
  });
});
