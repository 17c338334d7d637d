import { describe, expect, it } from 'vitest';
import { DEFAULT_SOCKET_PATH, parseCommandArgs, resolveSocketPath, splitGlobal } from './args';
import type { CommandSpec } from './command';
import { UsageError } from './errors';

const spec = (over: Partial<CommandSpec> = {}): CommandSpec => ({
  name: 'join', summary: '', help: '', run: async () => 0,
  options: { 'secret': { type: 'string' }, 'json': { type: 'boolean' }, 'mesh-subnet': { type: 'string' } },
  ...over,
});

describe('splitGlobal', () => {
  it('takes --socket anywhere and the first word as the command', () => {
    expect(splitGlobal(['--socket', '/s', 'status', '--json'])).toEqual({ socket: '/s', command: 'status', rest: ['--json'] });
    expect(splitGlobal(['peers', '--socket=/t', '--json'])).toEqual({ socket: '/t', command: 'peers', rest: ['--json'] });
    expect(splitGlobal(['--help'])).toEqual({ rest: ['--help'] });
  });

  it('keeps later words and everything after -- for the command', () => {
    expect(splitGlobal(['help', 'join'])).toEqual({ command: 'help', rest: ['join'] });
    expect(splitGlobal(['demo', '--', '--socket', 'x'])).toEqual({ command: 'demo', rest: ['--', '--socket', 'x'] });
  });

  it('refuses --socket without a path', () => {
    expect(() => splitGlobal(['status', '--socket'])).toThrow(UsageError);
    expect(() => splitGlobal(['--socket='])).toThrow('--socket needs a path');
  });
});

describe('resolveSocketPath', () => {
  it('prefers the flag, then CLOUDROOF_SOCKET, then the default', () => {
    expect(resolveSocketPath('/flag', { CLOUDROOF_SOCKET: '/env' })).toBe('/flag');
    expect(resolveSocketPath(undefined, { CLOUDROOF_SOCKET: '/env' })).toBe('/env');
    expect(resolveSocketPath(undefined, { CLOUDROOF_SOCKET: '' })).toBe(DEFAULT_SOCKET_PATH);
    expect(resolveSocketPath(undefined, {})).toBe('/run/cloudroof/cloudroofd.sock');
  });
});

describe('parseCommandArgs', () => {
  it('parses the command options strictly', () => {
    expect(parseCommandArgs(spec(), ['--secret', 's', '--json', '--mesh-subnet=10.0.0.0/8'])).toEqual({
      values: { 'secret': 's', 'json': true, 'mesh-subnet': '10.0.0.0/8' }, positionals: [], help: false,
    });
    expect(parseCommandArgs(spec(), ['-h']).help).toBe(true);
  });

  it('turns unknown options, missing values and stray words into usage errors naming the command', () => {
    expect(() => parseCommandArgs(spec(), ['--bogus'])).toThrow("Unknown option '--bogus'");
    expect(() => parseCommandArgs(spec(), ['--secret'])).toThrow(UsageError);
    const stray = (): unknown => parseCommandArgs(spec(), ['wgmesh://v1/pasted-secret-value']);
    expect(stray).toThrow(UsageError);
    try {
      stray();
    } catch (err) {
      expect((err as UsageError).message).toBe('unexpected argument');
      expect((err as UsageError).command).toBe('join');
      expect((err as UsageError).exitCode).toBe(2);
    }
  });

  it('does not echo a value that looks like an option', () => {
    const parse = (): unknown => parseCommandArgs(spec(), ['--secret', '-secretvalue']);
    expect(parse).toThrow(/^Option '--secret' argument is ambiguous\. .*'--secret=-XYZ'/);
    expect(parse).not.toThrow(/secretvalue/);
  });

  it('passes raw arguments through for rawArgs commands', () => {
    expect(parseCommandArgs(spec({ rawArgs: true }), ['--nodes', '3'])).toEqual({ values: {}, positionals: ['--nodes', '3'], help: false });
    expect(parseCommandArgs(spec({ rawArgs: true }), ['--help']).help).toBe(true);
  });
});
