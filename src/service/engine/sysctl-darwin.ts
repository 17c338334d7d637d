/**
 * The sysctl seam on macOS: there is no /proc/sys, so keys are read with `sysctl -n KEY` and set
 * with `sysctl -w KEY=VALUE` through the CommandRunner (argv, never a shell). `-w` is the
 * documented way to set on Darwin (sysctl(8): `sysctl [-bn] -w name=value`); newer versions keep
 * it as an accepted, ignored compatibility flag (FreeBSD-derived getopt string `…tTwWxX`).
 */
import { CommandError } from './exec';
import type { CommandRunner } from './exec';
import { assertSysctlKey, assertSysctlValue, darwinForwardingKeys, ProcSysctl } from './sysctl';
import type { ForwardingKeys, Sysctl } from './sysctl';

// Darwin's sysctl says `unknown oid 'KEY'` (older releases: `second level name … is invalid`).
const unknownKey = /unknown oid|is invalid|No such file or directory/;
const denied = /Operation not permitted|Permission denied/;

/** {@link Sysctl} on macOS through `sysctl(8)`; setting needs root. */
export class DarwinSysctl implements Sysctl {
  /** macOS names the forwarding switches `net.inet.ip.forwarding` and `net.inet6.ip6.forwarding`. */
  readonly forwardingKeys: ForwardingKeys = darwinForwardingKeys;

  constructor(private readonly runner: CommandRunner) {}

  async get(key: string): Promise<string> {
    assertSysctlKey(key);
    const value = (await this.run(key, ['sysctl', '-n', key])).trim();
    // Some versions print the warning and still exit 0: an empty answer is an unknown key too.
    if (value === '') throw new Error(`sysctl ${key}: no such key`);
    return value;
  }

  async set(key: string, value: string): Promise<void> {
    assertSysctlKey(key);
    // The value becomes part of one argv element `KEY=VALUE`: no `=`, no newline, no shell.
    assertSysctlValue(value);
    await this.run(key, ['sysctl', '-w', `${key}=${value}`]);
  }

  private async run(key: string, argv: string[]): Promise<string> {
    try {
      return (await this.runner.run(argv)).stdout;
    } catch (e) {
      if (e instanceof CommandError && unknownKey.test(e.stderr)) throw new Error(`sysctl ${key}: no such key`, { cause: e });
      if (e instanceof CommandError && denied.test(e.stderr)) throw new Error(`sysctl ${key}: permission denied (needs root)`, { cause: e });
      throw e;
    }
  }
}

/** The Sysctl for `platform`: /proc/sys on Linux, the sysctl command on macOS. */
export function createSysctl(runner: CommandRunner, platform: NodeJS.Platform = process.platform): Sysctl {
  return platform === 'darwin' ? new DarwinSysctl(runner) : new ProcSysctl();
}
