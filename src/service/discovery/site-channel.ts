/**
 * The site channel (issue 5): Cloudroof-only messages between mesh members (site lists from
 * origins, reports and capability reports from edges), over UDP on the probe port number (G+2000) at the node's mesh
 * addresses. wgmesh uses that number for TCP only, so a Go node never receives these datagrams
 * (the kernel answers port-unreachable), and traffic to mesh addresses travels inside WireGuard.
 * Every datagram is still a sealed wgmesh envelope: only holders of the secret can write one.
 *
 * Lifecycle: `bind(addresses)` opens one socket per mesh address (an address that fails is
 * logged and skipped, like the probe responder); datagrams are rate-limited per source, opened
 * (authentication, freshness), filtered to the Cloudroof types and handed to `onMessage`;
 * `close()` closes the sockets. Malformed input is counted and dropped, never thrown.
 */
import dgram from 'node:dgram';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { EnvelopeError, openEnvelope, sealEnvelope } from '../mesh/envelope';
import { EDGE_INFO_TYPE, EDGE_REPORT_TYPE, SITES_TYPE } from '../mesh/site-messages';
import type { PacketCounters } from './counters';
import { normalizeSourceIp, type Source } from './exchange';
import { RateLimiter } from './rate-limiter';

/** Options of {@link SiteChannel}. */
export interface SiteChannelOptions {
  port: number;
  gossipKey: Uint8Array;
  clock: Clock;
  logger: Logger;
  counters: PacketCounters;
  onMessage: (type: string, payload: Record<string, unknown>, source: Source) => void;
}

const TYPES = new Set([SITES_TYPE, EDGE_REPORT_TYPE, EDGE_INFO_TYPE]);

/** UDP sockets on the mesh addresses for Cloudroof's own messages. */
export class SiteChannel {
  private sockets: dgram.Socket[] = [];
  private readonly limiter: RateLimiter;

  constructor(private readonly o: SiteChannelOptions) {
    this.limiter = new RateLimiter(o.clock);
  }

  /** Binds `port` on each address. */
  async bind(addresses: readonly string[]): Promise<void> {
    for (const address of addresses) {
      const type = address.includes(':') ? 'udp6' : 'udp4';
      const s = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind({ address, port: this.o.port, exclusive: true }, () => { s.removeListener('error', reject); resolve(); });
        });
      } catch (err) {
        s.close();
        this.o.logger.warn('site channel not listening', { address, port: this.o.port, error: (err as Error).message });
        continue;
      }
      s.on('message', (msg, rinfo) => this.receive(msg, { ip: normalizeSourceIp(rinfo.address), port: rinfo.port }));
      s.on('error', (err) => this.o.logger.debug('site channel socket error', { error: err.message }));
      this.sockets.push(s);
    }
  }

  /** Seals and sends one message to a peer's mesh address. Errors are logged at debug level. */
  send(type: string, plaintext: string, toIp: string): void {
    const s = this.sockets.find((x) => (x.address().family === 'IPv6') === toIp.includes(':'));
    if (!s) return;
    const datagram = sealEnvelope(this.o.gossipKey, type, plaintext);
    s.send(datagram, this.o.port, toIp, (err) => {
      if (err) this.o.logger.debug('site message not sent', { to: toIp, error: err.message });
    });
  }

  /** Closes every socket. */
  close(): void {
    for (const s of this.sockets) s.close();
    this.sockets = [];
  }

  private receive(msg: Buffer, source: Source): void {
    const c = this.o.counters;
    c.received++;
    if (!this.limiter.allow(source.ip)) return c.drop('rate-limited');
    let opened;
    try {
      opened = openEnvelope(this.o.gossipKey, msg, Math.floor(this.o.clock.now() / 1000));
    } catch (err) {
      return c.drop(err instanceof EnvelopeError ? err.reason : 'internal');
    }
    if (!TYPES.has(opened.type)) return c.drop('unknown-type');
    c.accepted++;
    try {
      this.o.onMessage(opened.type, opened.payload, source);
    } catch (err) {
      this.o.logger.warn('site message handler failed', { type: opened.type, error: String(err) });
    }
  }
}
