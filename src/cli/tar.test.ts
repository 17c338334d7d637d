import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tarArchive, tarGz, tarHeader } from './tar';

describe('ustar writer', () => {
  it('writes headers with a valid checksum and ustar magic', () => {
    const h = tarHeader('dir/file.txt', 5, 0o644, 1_800_000_000, '0');
    expect(h.length).toBe(512);
    const stored = parseInt(h.subarray(148, 154).toString('ascii'), 8);
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((a, b) => a + b, 0));
    expect(h.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
    expect(h.subarray(124, 135).toString('ascii')).toBe('00000000005');
  });

  it('pads data to 512-byte blocks and ends with two zero blocks', () => {
    const t = tarArchive([{ name: 'a.txt', data: 'x'.repeat(513), mtime: 0 }]);
    expect(t.length).toBe(512 + 1024 + 1024);
    expect(t.subarray(-1024).every((b) => b === 0)).toBe(true);
  });

  it('refuses names it cannot store safely', () => {
    for (const name of ['', '/abs', 'a/../b', 'x'.repeat(101), 'tab\there', 'ü']) {
      expect(() => tarArchive([{ name, data: '', mtime: 0 }]), name).toThrow(/tar:/);
    }
  });

  it('is read back by the system tar', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-tar-'));
    try {
      const gz = tarGz([
        { name: 'report/', mtime: 1_800_000_000 },
        { name: 'report/README.txt', data: 'hello\n', mtime: 1_800_000_000 },
        { name: 'report/logs.txt', data: 'é'.repeat(700), mtime: 1_800_000_000 },
        { name: 'report/empty.txt', data: '', mtime: 1_800_000_000, mode: 0o600 },
      ]);
      expect(gunzipSync(gz).length % 512).toBe(0);
      writeFileSync(join(dir, 'r.tar.gz'), gz);
      expect(execFileSync('tar', ['-tzf', join(dir, 'r.tar.gz')], { encoding: 'utf8' }).split('\n').filter(Boolean))
        .toEqual(['report/', 'report/README.txt', 'report/logs.txt', 'report/empty.txt']);
      execFileSync('tar', ['-xzf', 'r.tar.gz'], { cwd: dir });
      expect(readFileSync(join(dir, 'report/README.txt'), 'utf8')).toBe('hello\n');
      expect(readFileSync(join(dir, 'report/logs.txt'), 'utf8')).toBe('é'.repeat(700));
      expect(statSync(join(dir, 'report/empty.txt')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'report/README.txt')).mtimeMs).toBe(1_800_000_000_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
