/**
 * Which underlay endpoint this node advertises, and noticing when the machine moves (spec 3.6,
 * issue 3 roaming).
 *
 * Lifecycle: `start()` runs the first detection in the background (a join never waits for STUN
 * servers that do not answer) and then repeats it every 60 s, as Go does: a public IPv6 address
 * on an interface wins (`[v6]:<wg port>`, NAT type "unknown", no STUN); otherwise two-server
 * STUN from an ephemeral socket gives `<reflexive IPv4>:<wg port>` and cone/symmetric/unknown;
 * no answer keeps the previous result. Every 2 s the set of interface addresses is compared with
 * the last one; a change (Wi-Fi switch, DHCP renewal, wake from sleep) re-detects at once and
 * calls `onRoam`, so the node can tell its peers without waiting for a timer. `stop()` ends it.
 */
import { networkInterfaces } from 'node:os';
import { parseServerAddress } from '../../shared/discovery';
import type { Logger } from '../log';
import { detectNat, pickIPv6Endpoint, type InterfaceAddress, type NatDetection, type StunServerAddress } from './stun';

/** What the detector concluded. */
export interface DetectedEndpoint {
  /** `ip:port` / `[v6]:port` with the WireGuard listen port. */
  endpoint: string;
  natType: 'cone' | 'symmetric' | 'unknown';
  /** How: an interface's public IPv6 address, or STUN. */
  source: 'ipv6' | 'stun';
  /** The public IPv4 STUN reported, if any (for the DHT's BEP 42 node id). */
  publicIPv4?: string;
}

/** Options of {@link EndpointDetector}. */
export interface EndpointDetectorOptions {
  listenPort: number;
  /** `host:port` STUN servers (the first two are asked). */
  stunServers: readonly string[];
  /** Consider IPv6 interface addresses (off = Go's `--no-ipv6`). */
  ipv6: boolean;
  logger: Logger;
  /** A new result (only when endpoint or NAT type changed). */
  onDetected: (d: DetectedEndpoint) => void;
  /** The interface addresses changed (after the new detection ran). */
  onRoam?: () => void;
  /** Seams for tests. */
  interfaces?: () => InterfaceAddress[];
  detect?: (servers: readonly StunServerAddress[], wgPort: number) => Promise<NatDetection | null>;
  refreshMs?: number;
  watchMs?: number;
}

/** All up interfaces' addresses (`os.networkInterfaces()` lists only up ones). */
export function systemInterfaces(): InterfaceAddress[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a !== undefined).map((a) => ({ address: a.address, internal: a.internal }));
}

/** The non-internal addresses as one comparable string. */
function fingerprint(list: readonly InterfaceAddress[]): string {
  return list.filter((a) => !a.internal && !a.address.startsWith('fe80')).map((a) => a.address).sort().join(',');
}

/** Periodic endpoint and NAT-type detection with address-change watching. */
export class EndpointDetector {
  /** The latest result, if any detection succeeded. */
  current: DetectedEndpoint | undefined;
  /** Why the last STUN detection gave nothing (for status), or undefined after a success. */
  lastError: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  private lastAddresses = '';
  private stopped = false;
  private readonly servers: StunServerAddress[];
  private readonly interfaces: () => InterfaceAddress[];

  constructor(private readonly o: EndpointDetectorOptions) {
    this.servers = o.stunServers.map((s) => parseServerAddress(s, 'STUN server'));
    this.interfaces = o.interfaces ?? systemInterfaces;
  }

  /** Starts the first detection (not awaited) and the timers. */
  start(): void {
    this.lastAddresses = fingerprint(this.interfaces());
    void this.detectNow();
    this.timers.push(setInterval(() => void this.detectNow(), this.o.refreshMs ?? 60_000));
    this.timers.push(setInterval(() => this.watch(), this.o.watchMs ?? 2000));
    for (const t of this.timers) t.unref();
  }

  /** Stops the timers; a detection in flight finishes but reports nothing. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Whether an interface has a public IPv6 address (this node can reach IPv6 endpoints). */
  hasPublicIPv6(): boolean {
    return this.o.ipv6 && pickIPv6Endpoint(this.interfaces(), this.o.listenPort) !== null;
  }

  /** Runs a detection now (coalesced: a call during a run queues one more). */
  detectNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.detectNow();
      }
    });
    return this.running;
  }

  private watch(): void {
    const now = fingerprint(this.interfaces());
    if (now === this.lastAddresses) return;
    this.lastAddresses = now;
    this.o.logger.info('network addresses changed; detecting the endpoint again', {});
    void this.detectNow().then(() => { if (!this.stopped) this.o.onRoam?.(); });
  }

  private async runOnce(): Promise<void> {
    const v6 = this.o.ipv6 ? pickIPv6Endpoint(this.interfaces(), this.o.listenPort) : null;
    let next: DetectedEndpoint | undefined;
    if (v6) {
      next = { endpoint: v6, natType: 'unknown', source: 'ipv6' };
    } else if (this.servers.length > 0) {
      const errors: string[] = [];
      const detect = this.o.detect ?? ((s, p) => detectNat(s, p, { onQueryError: (_srv, err) => errors.push(err.message) }));
      try {
        const d = await detect(this.servers, this.o.listenPort);
        if (d) {
          const ip = d.observed.first?.ip ?? d.observed.second?.ip;
          next = { endpoint: d.endpoint, natType: d.natType, source: 'stun', ...(ip && !ip.includes(':') ? { publicIPv4: ip } : {}) };
        }
        this.lastError = d ? undefined : `no STUN server answered${errors.length ? `: ${errors.join('; ')}` : ''}`;
      } catch (err) {
        this.lastError = `STUN failed: ${(err as Error).message}`;
      }
      if (this.lastError) this.o.logger.debug('endpoint detection', { error: this.lastError });
    }
    if (this.stopped || !next) return;
    const changed = next.endpoint !== this.current?.endpoint || next.natType !== this.current.natType;
    this.current = next;
    if (changed) {
      this.o.logger.info('public endpoint detected', { endpoint: next.endpoint, natType: next.natType, via: next.source });
      this.o.onDetected(next);
    }
  }
}
