/** The API's view of peers: store records joined with the device's handshakes and counters. */
import type { Peer } from '../../shared/protocol';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { PeerRecord } from './peer-store';

/**
 * One API Peer per active store record. `path` is `relay` (with `relayVia`, the relay's
 * hostname or short key) for peers reached through an introducer (spec 3.15), `direct-lan`
 * for LAN-discovered peers that are configured, `direct` for other configured peers, `none`
 * while not configured. The endpoint shown is the device's (it follows roaming), else the
 * advertised one.
 */
export function peerViews(
  records: readonly PeerRecord[], device: DeviceState | undefined, isConfigured: (key: string) => boolean,
  relayOf: (key: string) => { publicKey: string; hostname: string } | undefined = () => undefined,
): Peer[] {
  const byKey = new Map((device?.peers ?? []).map((p) => [p.publicKey, p]));
  return records
    .filter((r) => r.meshIp !== '')
    .map((r) => {
      const wg = byKey.get(r.publicKey);
      const configured = wg !== undefined && isConfigured(r.publicKey);
      const relay = relayOf(r.publicKey);
      const view: Peer = {
        publicKey: r.publicKey,
        meshIPv4: r.meshIp,
        lastHandshakeTime: wg && wg.lastHandshakeTime > 0 ? wg.lastHandshakeTime : null,
        rxBytes: wg?.rxBytes ?? 0,
        txBytes: wg?.txBytes ?? 0,
        discoveredVia: [...r.discoveredVia],
        path: relay ? 'relay' : configured ? (r.discoveredVia.includes('lan') ? 'direct-lan' : 'direct') : 'none',
        lastSeen: r.lastSeen,
      };
      if (relay) view.relayVia = relay.hostname || relay.publicKey.slice(0, 8);
      if (r.hostname) view.hostname = r.hostname;
      if (r.meshIpv6) view.meshIPv6 = r.meshIpv6;
      const endpoint = wg?.endpoint ?? r.endpoint;
      if (endpoint) view.endpoint = endpoint;
      if (r.natType) view.natType = r.natType;
      if (r.routableNetworks.length) view.routableNetworks = [...r.routableNetworks];
      if (r.latencyMs !== undefined) view.latencyMs = r.latencyMs;
      return view;
    })
    .sort((a, b) => (a.hostname ?? a.publicKey).localeCompare(b.hostname ?? b.publicKey));
}
