/**
 * The relay map of one node (spec 3.15): which peers are reached through which introducer,
 * recomputed by the reconciler on every pass from the active peers and the device's
 * handshakes. A relayed peer gets no WireGuard entry of its own; its mesh addresses ride on
 * the relay's entry ({@link carriedBy}) and its advertised prefixes are routed via the relay
 * (the reconciler hands the relay to the route plan).
 */
import os from 'node:os';
import type { DiscoverySettings } from '../../shared/discovery';
import { meshIPInSubnet, type MeshSubnet } from '../../shared/mesh/address';
import type { DeviceState } from '../engine/wireguard/uapi';
import type { Logger } from '../log';
import type { PeerRecord } from './peer-store';
import { relayCandidates, RelayTracker, selectRelayForPeer, shouldRelay } from './relay';

/** Settings and seams of {@link RelayRouting} (a subset of the reconciler's options). */
export interface RelayRoutingOptions {
  identity: { publicKey: string };
  subnet: MeshSubnet;
  logger: Logger;
  /** Go's `--introducer`, `--force-relay` and `--no-ipv6`; absent = off, off, IPv6 on. */
  discovery?: Pick<DiscoverySettings, 'introducer' | 'forceRelay' | 'ipv6'>;
  /** This node's NAT type from STUN (spec 3.15 rule 9); default ''. */
  localNatType?: () => string;
  /** Peers the health monitor took out for now (spec 4.7): never relays, never relayed. */
  isOffline?: (publicKey: string) => boolean;
  /** Subnets of the local interfaces (spec 3.15 rule 4); default {@link osLocalSubnets}. */
  localSubnets?: () => readonly string[];
  /**
   * Whether this host can use IPv6 endpoints at all (a public IPv6 address); default true. A
   * host without one treats IPv6 as off for rule 8, as Go's `--no-ipv6` does: otherwise an
   * IPv4-only home would call an IPv6-only VPS "direct" and never reach it.
   */
  ipv6Usable?: () => boolean;
}

/** The relay a peer is reached through, as the API shows it. */
export interface RelayInfo {
  publicKey: string;
  hostname: string;
  meshIp: string;
  meshIpv6: string;
  /** When this peer started going through this relay (Unix ms). */
  since: number;
}

/**
 * CIDRs of every address of the up, non-loopback interfaces (libuv lists only interfaces that
 * are up and running; `internal` marks loopback). Like Go, the mesh interface is not excluded.
 */
export function osLocalSubnets(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((addrs) => (addrs ?? []).flatMap((a) => (!a.internal && a.cidr ? [a.cidr] : [])));
}

/** Relay decisions with hysteresis, and the resulting peer → relay map. */
export class RelayRouting {
  private readonly tracker = new RelayTracker();
  private relays = new Map<string, RelayInfo>();
  private carried = new Map<string, string[]>();
  private signature = '[]';

  constructor(private readonly o: RelayRoutingOptions) {}

  /**
   * One cycle: decides for every active peer (self, key-less, out-of-subnet and offline peers
   * excluded) and picks its relay. `canCarry` says whether a relay has a WireGuard entry of its
   * own (configurable); a peer whose relay cannot carry it stays direct this pass.
   */
  update(active: readonly PeerRecord[], device: DeviceState | undefined, now: number, canCarry: (relay: PeerRecord) => boolean): void {
    const { identity, discovery, isOffline } = this.o;
    const others = active.filter((p) => p.publicKey !== identity.publicKey && p.publicKey !== '');
    const candidates = relayCandidates(others, now, isOffline);
    const handshakes = new Map((device?.peers ?? []).map((p) => [p.publicKey, p.lastHandshakeTime]));
    let subnets: readonly string[] | undefined;
    const base = {
      localIntroducer: discovery?.introducer ?? false, forceRelay: discovery?.forceRelay ?? false,
      ipv6: (discovery?.ipv6 ?? true) && (this.o.ipv6Usable?.() ?? true),
      localNatType: this.o.localNatType?.() ?? '', candidates: candidates.length, now,
      localSubnets: () => (subnets ??= (this.o.localSubnets ?? osLocalSubnets)()),
    };
    const decisions = new Map<string, boolean>();
    for (const p of others) {
      if (p.meshIp === '' || !meshIPInSubnet(p.meshIp, this.o.subnet) || isOffline?.(p.publicKey)) continue;
      decisions.set(p.publicKey, shouldRelay(p, { ...base, handshakeMs: handshakes.get(p.publicKey) }));
    }
    const relayed = this.tracker.update(decisions, now);
    const byKey = new Map(others.map((p) => [p.publicKey, p]));
    const before = this.relays;
    this.relays = new Map();
    this.carried = new Map();
    for (const key of relayed) {
      const peer = byKey.get(key);
      const relay = selectRelayForPeer(identity.publicKey, key, candidates);
      if (!peer || !relay || relayed.has(relay.publicKey) || !canCarry(relay)) continue;
      const since = before.get(key)?.publicKey === relay.publicKey ? before.get(key)?.since ?? now : now;
      this.relays.set(key, { publicKey: relay.publicKey, hostname: relay.hostname, meshIp: relay.meshIp, meshIpv6: relay.meshIpv6, since });
      const ips = this.carried.get(relay.publicKey) ?? [];
      ips.push(`${peer.meshIp}/32`, ...(peer.meshIpv6 ? [`${peer.meshIpv6}/128`] : []));
      this.carried.set(relay.publicKey, ips);
    }
    this.logChanges();
  }

  /** The relay `publicKey` is reached through, or undefined when it is direct. */
  relayOf(publicKey: string): RelayInfo | undefined {
    return this.relays.get(publicKey);
  }

  /** The relayed peers' mesh addresses (`/32`, `/128`) that go on `relayKey`'s AllowedIPs. */
  carriedBy(relayKey: string): readonly string[] {
    return this.carried.get(relayKey) ?? [];
  }

  private logChanges(): void {
    const sig = JSON.stringify([...this.relays].map(([k, r]) => [k, r.publicKey]).sort());
    if (sig === this.signature) return;
    this.signature = sig;
    const relayed = [...this.relays].map(([k, r]) => `${k.slice(0, 8)} via ${r.hostname || r.publicKey.slice(0, 8)}`);
    this.o.logger.info('relay routing changed', { relayed });
  }
}
