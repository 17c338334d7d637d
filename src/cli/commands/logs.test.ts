import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/protocol';
import type { ControlClient, LogHandlers } from '../../client/control-client';
import type { OptionValues } from '../command';
import { parseCommandArgs } from '../args';
import { UsageError } from '../errors';
import { fakeIo } from '../test-io';
import { logsCommand, parseLineCount } from './logs';

const at = (i: number) => `2026-11-25T06:00:${String(i).padStart(2, '0')}.000Z`;
const entry = (i: number, level: LogEntry['level'] = 'info'): LogEntry => ({ time: at(i), level, component: 'cloudroofd/mesh', msg: `event ${i}`, fields: { n: i } });
const backlog: LogEntry[] = [entry(1, 'debug'), entry(2), entry(3, 'warn'), entry(4, 'error'), entry(5)];

/** Runs `logs` with a stub client whose stream delivers `backlog`, then `live` when following. */
async function run(args: string[], live: LogEntry[] = []) {
  const io = fakeIo();
  const calls: { follow?: boolean }[] = [];
  const stub = {
    logs: async (h: LogHandlers, opts: { follow?: boolean; signal?: AbortSignal } = {}) => {
      calls.push({ follow: opts.follow });
      h.backlog(structuredClone(backlog));
      if (opts.follow) for (const e of live) h.live?.(e);
    },
  } as unknown as ControlClient;
  const parsed = parseCommandArgs(logsCommand, args);
  const code = await logsCommand.run({ values: parsed.values as OptionValues, positionals: [], args, io, socketPath: '/x', client: () => stub });
  return { code, out: io.stdout, calls };
}

describe('cloudroof logs', () => {
  it('prints the buffered entries as text and does not follow', async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([{ follow: undefined }]);
    expect(r.out.split('\n')[0]).toBe('2026-11-25T06:00:01Z DEBUG [cloudroofd/mesh] event 1 n=1');
    expect(r.out.split('\n')).toHaveLength(6);
  });

  it('-n N prints the last N, after the level filter', async () => {
    expect((await run(['-n', '2'])).out).toBe('2026-11-25T06:00:04Z ERROR [cloudroofd/mesh] event 4 n=4\n2026-11-25T06:00:05Z INFO  [cloudroofd/mesh] event 5 n=5\n');
    expect((await run(['--level', 'warn', '-n', '5'])).out.split('\n').filter(Boolean).map((l) => l.slice(21, 26))).toEqual(['WARN ', 'ERROR']);
    expect((await run(['-n', '0'])).out).toBe('');
  });

  it('--json prints one entry per line as the service recorded it', async () => {
    const r = await run(['-n', '5', '--json']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => JSON.parse(l) as LogEntry)).toEqual(backlog);
  });

  it('-f follows: the backlog, then live entries that pass the filter', async () => {
    const r = await run(['-f', '--level', 'info', '-n', '1'], [entry(6, 'debug'), entry(7, 'warn')]);
    expect(r.calls).toEqual([{ follow: true }]);
    expect(r.out).toBe('2026-11-25T06:00:05Z INFO  [cloudroofd/mesh] event 5 n=5\n2026-11-25T06:00:07Z WARN  [cloudroofd/mesh] event 7 n=7\n');
  });

  it('refuses bad -n and --level values', async () => {
    await expect(run(['-n', 'many'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['-n', '-1'])).rejects.toThrow();
    await expect(run(['--level', 'loud'])).rejects.toThrow(/--level must be/);
    expect(parseLineCount(undefined)).toBe(100);
  });
});
