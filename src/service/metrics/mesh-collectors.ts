/**
 * The mesh's metrics, read at scrape time: liveness and build, tunnel state, peers by path and
 * per peer (handshake age, bytes), the receive pipeline's packet counters and the LAN routes.
 * Peers are labelled with the first 8 characters of their key and their announced hostname.
 */
import { Gauge, type Registry } from 'prom-client';
import { PeerPath, TunnelState } from '../../shared/protocol';
import { liveCounter, liveGauge, peerLabel, type ViewFn } from './collect';

/** Registers the mesh collectors on `registry`; `version` goes into cloudroof_build_info. */
export function registerMeshCollectors(registry: Registry, view: ViewFn, version: string): void {
  new Gauge({ name: 'cloudroof_up', help: 'Always 1 while cloudroofd answers.', registers: [registry] }).set(1);
  new Gauge({ name: 'cloudroof_build_info', help: 'The running cloudroofd version (value 1).', labelNames: ['version'], registers: [registry] })
    .set({ version }, 1);
  liveGauge(registry, view, { name: 'cloudroof_tunnel_state', help: 'Tunnel state: 1 for the current one, 0 for the others.', labelNames: ['state'] }, (g, v) => {
    for (const state of TunnelState.options) g.set({ state }, state === v.status.tunnelState ? 1 : 0);
  });
  liveGauge(registry, view, { name: 'cloudroof_peers', help: 'Active peers by how traffic reaches them.', labelNames: ['path'] }, (g, v) => {
    for (const path of PeerPath.options) g.set({ path }, v.peers.filter((p) => p.path === path).length);
  });
  registerPeerCollectors(registry, view);
  liveCounter(registry, view, { name: 'cloudroof_packets_received_total', help: 'Control datagrams received (LAN, exchange, site channel) in this mesh session.' },
    (v) => [[{}, v.status.counters.received]]);
  liveCounter(registry, view, { name: 'cloudroof_packets_accepted_total', help: 'Control datagrams that opened and were handled, in this mesh session.' },
    (v) => [[{}, v.status.counters.accepted]]);
  liveCounter(registry, view, { name: 'cloudroof_packets_dropped_total', help: 'Control datagrams dropped, by reason, in this mesh session.', labelNames: ['reason'] },
    (v) => Object.entries(v.status.counters.dropped).map(([reason, n]) => [{ reason }, n]));
  const routes = [
    ['cloudroof_routes_advertised', 'LAN prefixes this node advertises.', 'advertised'],
    ['cloudroof_routes_accepted', 'LAN prefixes accepted from other nodes and installed.', 'accepted'],
    ['cloudroof_routes_conflicts', 'LAN prefixes accepted from other nodes but not installed (they overlap a local network).', 'conflicts'],
  ] as const;
  for (const [name, help, key] of routes) liveGauge(registry, view, { name, help }, (g, v) => g.set(v.status.routes?.[key] ?? 0));
}

function registerPeerCollectors(registry: Registry, view: ViewFn): void {
  const labelNames = ['peer', 'hostname'] as const;
  liveGauge(registry, view, { name: 'cloudroof_peer_last_handshake_age_seconds', help: 'Seconds since the last WireGuard handshake with the peer (peers with one).', labelNames }, (g, v) => {
    for (const p of v.peers) {
      if (p.lastHandshakeTime !== null) g.set({ peer: peerLabel(p.publicKey), hostname: p.hostname ?? '' }, Math.max(0, (v.now - p.lastHandshakeTime) / 1000));
    }
  });
  liveCounter(registry, view, { name: 'cloudroof_peer_receive_bytes_total', help: 'Bytes received from the peer over WireGuard (the device\'s counter).', labelNames },
    (v) => v.peers.map((p) => [{ peer: peerLabel(p.publicKey), hostname: p.hostname ?? '' }, p.rxBytes]));
  liveCounter(registry, view, { name: 'cloudroof_peer_transmit_bytes_total', help: 'Bytes sent to the peer over WireGuard (the device\'s counter).', labelNames },
    (v) => v.peers.map((p) => [{ peer: peerLabel(p.publicKey), hostname: p.hostname ?? '' }, p.txBytes]));
}
