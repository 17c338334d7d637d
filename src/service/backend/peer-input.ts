/**
 * Turns a received announcement into what the peer store keeps, dropping each field we must
 * not trust individually instead of the whole peer (spec 7.4 item 3: Go sends unvalidated
 * data on the exchange path). Mesh addresses outside this mesh's subnet or /64 are dropped: a
 * member advertising `mesh_ip: 1.1.1.1` would otherwise pull that address into the tunnel.
 */
import { meshIPInSubnet, meshIPv6InPrefix, type MeshSubnet } from '../../shared/mesh/address';
import { formatCidr, parseCidr } from '../../shared/mesh/ip';
import type { MeshKeys } from '../../shared/mesh/derive';
import { isValidKey } from '../engine/wireguard/keys';
import { isValidHostname, type PeerAnnouncement } from '../mesh/messages';
import type { PeerInput } from './peer-store';

const NAT_TYPES = new Set(['cone', 'symmetric', 'unknown']);

/** Builds a store input, or undefined when the key itself is unusable. */
export function announcementToPeerInput(a: Pick<PeerAnnouncement, 'wgPubkey' | 'hostname' | 'meshIp' | 'meshIpv6' | 'introducer' | 'natType'> & { routableNetworks?: readonly string[] },
  endpoint: string, subnet: MeshSubnet, keys: MeshKeys): PeerInput | undefined {
  if (!isValidKey(a.wgPubkey)) return undefined;
  return {
    publicKey: a.wgPubkey,
    hostname: a.hostname && isValidHostname(a.hostname) ? a.hostname : undefined,
    meshIp: a.meshIp && meshIPInSubnet(a.meshIp, subnet) ? a.meshIp : undefined,
    meshIpv6: a.meshIpv6 ? meshIPv6InPrefix(a.meshIpv6, keys.meshPrefixV6) : undefined,
    endpoint: endpoint || undefined,
    introducer: a.introducer === true,
    routableNetworks: canonicalRoutes(a.routableNetworks ?? []),
    natType: a.natType && NAT_TYPES.has(a.natType) ? a.natType : undefined,
  };
}

/**
 * Routes as we will use them: each parseable CIDR in canonical form (host bits cleared, so
 * `ip route` and WireGuard accept it), duplicates and default routes dropped; bad entries are
 * skipped one by one (spec 7.4 item 3: Go may send "" after a trailing comma).
 */
function canonicalRoutes(list: readonly string[]): string[] {
  const out = new Set<string>();
  for (const entry of list.slice(0, 100)) {
    const c = parseCidr(entry.trim());
    if (c && c.prefixLen > 0) out.add(formatCidr(c));
  }
  return [...out];
}
