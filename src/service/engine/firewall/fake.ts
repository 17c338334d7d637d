/** In-memory {@link Firewall} for unit tests: keeps the applied rules and records each call. */
import { validateRules } from './firewall';
import type { Firewall, SubnetRouterRules } from './firewall';
import { renderNftables } from './nftables-firewall';

/** A {@link Firewall} that validates like the real one and keeps the last applied rules. */
export class FakeFirewall implements Firewall {
  /** The rules in force, or null when none are installed. */
  rules: SubnetRouterRules | null = null;
  /** Every call (`apply`, `remove`, `current`), in order. */
  readonly calls: string[] = [];

  async apply(rules: SubnetRouterRules): Promise<void> {
    this.calls.push('apply');
    const valid = validateRules(rules, 'linux');
    this.rules = valid.routes.length > 0 || valid.meshRelay ? valid : null;
  }

  async remove(): Promise<void> {
    this.calls.push('remove');
    this.rules = null;
  }

  /** The nft text the real firewall would have loaded (without the leading drop lines). */
  async current(): Promise<string | null> {
    this.calls.push('current');
    return this.rules ? renderNftables('cloudroof', this.rules).split('\n').slice(2).join('\n') : null;
  }
}
