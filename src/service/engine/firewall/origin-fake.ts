/** In-memory {@link OriginFirewall} for unit tests: keeps the applied rules and records each call. */
import { renderOriginNftables, validateOriginRules } from './origin-firewall';
import type { OriginFirewall, OriginFirewallRules } from './origin-firewall';

/** An {@link OriginFirewall} that validates like the real one and keeps the last applied rules. */
export class FakeOriginFirewall implements OriginFirewall {
  /** The rules in force (canonical), or null when none are installed. */
  rules: OriginFirewallRules | null = null;
  /** Every call (`apply`, `remove`, `current`), in order. */
  readonly calls: string[] = [];
  /** When set, the next apply() rejects with this error and changes nothing (then it is cleared). */
  failNextApply: Error | null = null;

  async apply(rules: OriginFirewallRules): Promise<void> {
    this.calls.push('apply');
    const valid = validateOriginRules(rules, 'linux');
    const fail = this.failNextApply;
    if (fail) {
      this.failNextApply = null;
      throw fail;
    }
    this.rules = valid.ports.length > 0 ? valid : null;
  }

  async remove(): Promise<void> {
    this.calls.push('remove');
    this.rules = null;
  }

  /** The nft text the real firewall would have loaded (without the leading drop lines). */
  async current(): Promise<string | null> {
    this.calls.push('current');
    return this.rules ? renderOriginNftables('cloudroof_origin', this.rules).split('\n').slice(2).join('\n') : null;
  }
}
