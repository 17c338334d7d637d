/**
 * LAN multicast discovery (spec 3.2).
 *
 * Lifecycle: `start()` binds 0.0.0.0:51830 with address reuse, joins 239.192.M0.M1, and sends
 * an ANNOUNCE at once, again after 250 ms and 1 s (so nodes started together find each other
 * without waiting a full period), then every 5 s. Each received datagram is opened, validated
 * (spec 2.6; LAN receivers drop the whole message on any failure) and handed to `onPeer` with
 * its source IP; own announcements are dropped, and so are replays (see `isReplay`). `stop()`
 * ends timers and sockets. A failure to bind or join is reported once and leaves the other
 * discovery layers running (as Go does).
 */
import dgram from 'node:dgram';
import { EnvelopeError, openEnvelope } from '../mesh/envelope';
import { decodeAnnouncement, validateAnnouncement, type PeerAnnouncement } from '../mesh/messages';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { PacketCounters } from './counters';
import { normalizeSourceIp } from './exchange';

/** The LAN discovery port (spec 0.3). */
export const LAN_PORT = 51830;
/** LAN datagrams larger than this are lost by Go receivers (spec 3.2). */
export const LAN_MAX_DATAGRAM = 4096;
/** Most announcers remembered for the replay check (least recently heard forgotten first). */
const MAX_ANNOUNCERS = 4096;

/** Options of {@link LanDiscovery}. */
export interface LanDiscoveryOptions {
  group: string;
  gossipKey: Uint8Array;
  ownKey: string;
  clock: Clock;
  logger: Logger;
  counters: PacketCounters;
  /** Builds a sealed ANNOUNCE datagram with fresh data. */
  buildAnnounce: () => Uint8Array;
  onPeer: (a: PeerAnnouncement, sourceIp: string) => void;
  port?: number;
  intervalMs?: number;
}

/** Multicast announcer and listener. */
export class LanDiscovery {
  private rx: dgram.Socket | undefined;
  private tx: dgram.Socket | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** Source IP and timestamp of the last announcement accepted per key (Map order = LRU). */
  private readonly lastHeard = new Map<string, { ip: string; timestamp: number }>();

  constructor(private readonly opts: LanDiscoveryOptions) {}

  /** Starts listening and announcing; never throws (failures are logged). */
  async start(): Promise<void> {
    const port = this.opts.port ?? LAN_PORT;
    try {
      this.rx = await new Promise<dgram.Socket>((resolve, reject) => {
        const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
        s.once('error', (e) => { s.close(); reject(e); });
        s.bind(port, '0.0.0.0', () => {
          s.removeAllListeners('error');
          // Throws (ENODEV) in a namespace or host with no multicast-capable interface; it runs
          // in a callback, so it must be caught here or it would crash the service.
          try {
            s.addMembership(this.opts.group);
          } catch (e) {
            s.close();
            reject(e as Error);
            return;
          }
          resolve(s);
        });
      });
      this.rx.on('message', (msg, rinfo) => this.receive(msg, normalizeSourceIp(rinfo.address)));
      this.rx.on('error', (e) => this.opts.logger.warn('lan socket error', { error: e.message }));
    } catch (err) {
      this.opts.logger.warn('LAN discovery receive disabled', { error: (err as Error).message });
    }
    this.tx = dgram.createSocket({ type: 'udp4' });
    this.tx.on('error', (e) => this.opts.logger.debug('lan send error', { error: e.message }));
    await new Promise<void>((r) => this.tx!.bind(0, () => r()));
    try {
      this.tx.setMulticastTTL(1);
      this.tx.setMulticastLoopback(true);
    } catch { /* best effort */ }
    this.announce();
    for (const delay of [250, 1000]) this.timers.push(setTimeout(() => this.announce(), delay));
    this.timers.push(setInterval(() => this.announce(), this.opts.intervalMs ?? 5000));
  }

  /** Sends one ANNOUNCE now (also used when our advertised data changes). */
  announce(): void {
    const datagram = this.opts.buildAnnounce();
    if (datagram.length >= LAN_MAX_DATAGRAM) {
      this.opts.logger.warn('LAN announcement too large; not sent', { bytes: datagram.length });
      return;
    }
    this.tx?.send(datagram, this.opts.port ?? LAN_PORT, this.opts.group, (err) => {
      if (err) this.opts.logger.debug('LAN announce failed', { error: err.message });
    });
  }

  /** Stops timers and closes sockets. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.rx?.close();
    this.tx?.close();
    this.rx = this.tx = undefined;
  }

  private receive(msg: Buffer, sourceIp: string): void {
    const c = this.opts.counters;
    c.received++;
    if (msg.length > LAN_MAX_DATAGRAM) return c.drop('oversized');
    let payload: Record<string, unknown>;
    try {
      const opened = openEnvelope(this.opts.gossipKey, msg, Math.floor(this.opts.clock.now() / 1000));
      if (opened.type !== 'ANNOUNCE') return c.drop('unexpected-type');
      payload = opened.payload;
    } catch (err) {
      return c.drop(err instanceof EnvelopeError ? err.reason : 'internal');
    }
    let a: PeerAnnouncement;
    try {
      a = decodeAnnouncement(payload);
    } catch {
      return c.drop('bad-payload');
    }
    if (a.wgPubkey === this.opts.ownKey) return; // our own multicast loopback
    if (validateAnnouncement(a) !== null) return c.drop('invalid-announcement');
    if (this.isReplay(a, sourceIp)) return c.drop('replayed');
    c.accepted++;
    this.opts.onPeer(a, sourceIp);
  }

  /**
   * Security edge: envelopes carry no replay protection (spec 7.4 item 5) and a LAN receiver
   * takes the peer's endpoint from the datagram's source IP (spec 3.2), so anyone on the LAN,
   * without the secret, could re-send a captured announcement from their own address and
   * redirect that peer's WireGuard endpoint (found by the hardening flood). An announcement of a
   * key last heard from another address is therefore accepted only when it is newer than that
   * one; a node that really moves announces afresh every 5 s.
   */
  private isReplay(a: PeerAnnouncement, ip: string): boolean {
    const last = this.lastHeard.get(a.wgPubkey);
    if (last && last.ip !== ip && a.timestamp <= last.timestamp) return true;
    this.lastHeard.delete(a.wgPubkey);
    this.lastHeard.set(a.wgPubkey, { ip, timestamp: a.timestamp });
    if (this.lastHeard.size > MAX_ANNOUNCERS) this.lastHeard.delete(this.lastHeard.keys().next().value!);
    return false;
  }
}
