/**
 * Router on Linux through `ip` (iproute2) argv. Addresses use `replace`, so a repeated call is
 * not an error; IPv6 is added with `nodad` because duplicate address detection would keep a
 * fresh mesh address unusable for about a second, and the mesh resolves collisions itself.
 */
import { CommandError } from '../exec';
import type { CommandRunner } from '../exec';
import { assertInterfaceName } from '../wireguard/iface-name';
import { assertMtu, parseInterfaceCidr } from './router';
import type { InterfaceAddresses, Router } from './router';

const absent = /does not exist|Cannot find device/;

/** {@link Router} for Linux (iproute2). */
export class LinuxRouter implements Router {
  constructor(private readonly runner: CommandRunner) {}

  async setInterfaceAddresses(iface: string, addrs: InterfaceAddresses): Promise<void> {
    assertInterfaceName(iface, 'linux');
    const v4 = parseInterfaceCidr(addrs.ipv4Cidr, 4);
    const v6 = addrs.ipv6Cidr === undefined ? undefined : parseInterfaceCidr(addrs.ipv6Cidr, 6);
    await this.ip('-4', 'addr', 'flush', 'dev', iface);
    await this.ip('-4', 'addr', 'replace', `${v4.address}/${v4.prefixLength}`, 'dev', iface);
    // scope global: keep any link-local address the kernel manages.
    await this.ip('-6', 'addr', 'flush', 'dev', iface, 'scope', 'global');
    if (v6) await this.ip('-6', 'addr', 'replace', `${v6.address}/${v6.prefixLength}`, 'dev', iface, 'nodad');
  }

  async setLinkUp(iface: string, mtu: number): Promise<void> {
    assertInterfaceName(iface, 'linux');
    assertMtu(mtu);
    await this.ip('link', 'set', 'dev', iface, 'mtu', String(mtu), 'up');
  }

  async deleteLink(iface: string): Promise<void> {
    assertInterfaceName(iface, 'linux');
    try {
      await this.ip('link', 'delete', 'dev', iface);
    } catch (e) {
      if (!(e instanceof CommandError && absent.test(e.stderr))) throw e;
    }
  }

  async linkExists(iface: string): Promise<boolean> {
    assertInterfaceName(iface, 'linux');
    try {
      await this.ip('link', 'show', 'dev', iface);
      return true;
    } catch (e) {
      if (e instanceof CommandError && absent.test(e.stderr)) return false;
      throw e;
    }
  }

  private async ip(...args: string[]): Promise<void> {
    await this.runner.run(['ip', ...args]);
  }
}
