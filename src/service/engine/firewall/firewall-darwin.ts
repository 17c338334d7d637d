/**
 * macOS firewall (pf anchor) for subnet routing: not implemented yet. Every method rejects with
 * a clear message so a Mac user learns it from the CLI instead of getting a half-set-up router.
 */
import type { Firewall, SubnetRouterRules } from './firewall';

const notSupported = 'advertising LAN routes is not supported on macOS yet (needs pf NAT rules); it works on Linux';

/** {@link Firewall} stub for macOS: {@link current} reports no rules, the rest reject. */
export class DarwinFirewall implements Firewall {
  async apply(_rules: SubnetRouterRules): Promise<void> {
    throw new Error(notSupported);
  }

  /** Nothing was ever installed on macOS, so there is nothing to remove. */
  async remove(): Promise<void> {}

  async current(): Promise<string | null> {
    return null;
  }
}
