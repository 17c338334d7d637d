/**
 * Firewall on macOS through pf. The project owns one anchor ({@link pfAnchor}) and never edits
 * /etc/pf.conf or anyone else's rules: `pfctl -a ANCHOR -f -` replaces the anchor's whole
 * ruleset (translation and filter) from stdin in one transaction, and `-F all` with `-a` clears
 * only that anchor's rules, nat rules and tables (pfctl.c: states, stats and the rest are
 * cleared only for the main ruleset).
 *
 * pf is off by default on macOS; each user enables it with `pfctl -E`, which increments a
 * reference count and prints a token, and releases it with `pfctl -X TOKEN`, so pf goes off
 * only when the last user releases it (stock /etc/pf.conf comment). The token is kept in memory
 * only: after a crash it is lost, the next process flushes the anchor on remove() but cannot
 * release the old reference, so pf stays enabled, with an empty anchor, until reboot or
 * `pfctl -d`. Best effort: type-checked and golden-tested, not run on a Mac in CI.
 */
import { CommandError } from '../exec';
import type { CommandRunner } from '../exec';
import type { Firewall, SubnetRouterRules } from './firewall';
import { parsePfToken, pfAnchor, renderPfAnchor, validatePfRules } from './pf-rules';

// pfctl reports an anchor that was never loaded as an ioctl failing with EINVAL.
const noSuchAnchor = /Invalid argument/;

/** {@link Firewall} on pf, owning the anchor `com.apple/cloudroof`. */
export class DarwinFirewall implements Firewall {
  private token: string | undefined;

  /** `runner` defaults to the real one so `createFirewall(…, 'darwin')` works as it is called today. */
  constructor(private readonly runner: CommandRunner) {}

  /** Loads the anchor, then takes one pf enable reference (once per process). */
  async apply(rules: SubnetRouterRules): Promise<void> {
    const valid = validatePfRules(rules);
    if (valid.routes.length === 0 && !valid.meshRelay) return this.remove();
    await this.runner.run(['pfctl', '-a', pfAnchor, '-f', '-'], { input: renderPfAnchor(valid) });
    // Rules first: if they do not load, pf is not switched on for nothing.
    if (this.token === undefined) this.token = parsePfToken(await this.runner.run(['pfctl', '-E']));
  }

  /** Empties the anchor and releases our enable reference, if this process holds one. */
  async remove(): Promise<void> {
    try {
      await this.runner.run(['pfctl', '-a', pfAnchor, '-F', 'all']);
    } catch (e) {
      if (!(e instanceof CommandError && noSuchAnchor.test(e.stderr))) throw e;
    }
    const token = this.token;
    // Forget it before releasing: a token pf refused once will not be accepted later either.
    this.token = undefined;
    if (token !== undefined) await this.runner.run(['pfctl', '-X', token]);
  }

  /** The anchor's nat rules then filter rules as pfctl prints them, or null when both are empty. */
  async current(): Promise<string | null> {
    const [nat, filter] = await Promise.all([this.show('nat'), this.show('rules')]);
    const text = nat + filter;
    return text.trim() === '' ? null : text;
  }

  private async show(what: 'nat' | 'rules'): Promise<string> {
    try {
      return (await this.runner.run(['pfctl', '-a', pfAnchor, '-s', what])).stdout;
    } catch (e) {
      if (e instanceof CommandError && noSuchAnchor.test(e.stderr)) return '';
      throw e;
    }
  }
}
