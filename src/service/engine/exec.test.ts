import { describe, expect, it } from 'vitest';
import { CommandError, ExecCommandRunner, packageHintFor, spawnedProcessCount } from './exec';
import { FakeCommandRunner } from './fake';

describe('ExecCommandRunner', () => {
  const runner = new ExecCommandRunner();

  it('runs argv without a shell and returns stdout/stderr', async () => {
    const r = await runner.run(['node', '-e', 'process.stdout.write(process.argv[1]); process.stderr.write("e")', '$(echo hi); ls']);
    expect(r).toEqual({ stdout: '$(echo hi); ls', stderr: 'e' });
  });

  it('passes input on stdin', async () => {
    const r = await runner.run(['cat'], { input: 'line1\nline2\n' });
    expect(r.stdout).toBe('line1\nline2\n');
  });

  it('counts spawned processes', async () => {
    const before = spawnedProcessCount();
    await runner.run(['true']);
    await runner.run(['true']);
    expect(spawnedProcessCount() - before).toBe(2);
  });

  it('rejects with exit code and stderr, never the stdin input', async () => {
    const secret = 'aSecretPrivateKeyValue0000000000000000000000=';
    const err = await runner.run(['sh', '-c', 'cat >/dev/null; echo boom >&2; exit 3'], { input: secret }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    const ce = err as CommandError;
    expect(ce.exitCode).toBe(3);
    expect(ce.stderr).toBe('boom\n');
    expect(ce.missingBinary).toBe(false);
    expect(ce.message).toContain('exit status 3: boom');
    expect(ce.message).not.toContain(secret);
    expect(JSON.stringify(ce)).not.toContain(secret);
  });

  it('flags a missing binary with the package to install', async () => {
    const err = (await runner.run(['/nonexistent/dir/wg', 'show']).catch((e: unknown) => e)) as CommandError;
    expect(err).toBeInstanceOf(CommandError);
    expect(err.missingBinary).toBe(true);
    expect(err.packageHint).toBe('wireguard-tools');
    expect(err.message).toContain('install the wireguard-tools package');
  });

  it('times out', async () => {
    const err = (await runner.run(['sleep', '5'], { timeoutMs: 100 }).catch((e: unknown) => e)) as CommandError;
    expect(err.timedOut).toBe(true);
    expect(err.message).toContain('timed out');
  });

  it('prepends the prefix', async () => {
    const r = await new ExecCommandRunner({ prefix: ['env', 'FOO=bar'] }).run(['sh', '-c', 'echo $FOO']);
    expect(r.stdout).toBe('bar\n');
  });

  it('maps binaries to packages', () => {
    expect(packageHintFor('ip')).toBe('iproute2');
    expect(packageHintFor('/usr/bin/wireguard-go')).toBe('wireguard-go');
    expect(packageHintFor('nft')).toBe('nftables');
    expect(packageHintFor('ls')).toBeUndefined();
  });
});

describe('FakeCommandRunner', () => {
  it('records argv and input and answers scripted replies', async () => {
    const f = new FakeCommandRunner()
      .on(['wg', 'show'], { stdout: 'dump' })
      .once(['ip', 'link', 'show'], { fail: { exitCode: 1, stderr: 'Device "x" does not exist.' } });
    expect((await f.run(['wg', 'show', 'wg0', 'dump'])).stdout).toBe('dump');
    await expect(f.run(['ip', 'link', 'show', 'dev', 'x'])).rejects.toMatchObject({ exitCode: 1 });
    expect((await f.run(['ip', 'link', 'show', 'dev', 'x'])).stdout).toBe('');
    await f.run(['wg', 'set', 'wg0'], { input: 'k' });
    expect(f.commands()).toEqual(['wg show wg0 dump', 'ip link show dev x', 'ip link show dev x', 'wg set wg0']);
    expect(f.calls[3]).toEqual({ argv: ['wg', 'set', 'wg0'], input: 'k' });
  });

  it('supports missing binaries and computed replies', async () => {
    const f = new FakeCommandRunner()
      .on(['nft'], { fail: { missingBinary: true } })
      .on((argv) => argv[0] === 'echo', (argv) => ({ stdout: argv.slice(1).join(' ') }));
    await expect(f.run(['nft', 'list'])).rejects.toMatchObject({ missingBinary: true, packageHint: 'nftables' });
    expect((await f.run(['echo', 'a', 'b'])).stdout).toBe('a b');
  });
});
