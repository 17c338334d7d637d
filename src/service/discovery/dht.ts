/**
 * BitTorrent mainline DHT discovery (spec 3.5, node file 4.10, checklist D3).
 *
 * Lifecycle: `start()` resolves the bootstrap names once, loads the node file, binds UDP G+1
 * (udp4; plus udp6 on the same port when `ipv6` is on — see dht-socket.ts for how IPv6 runs on
 * the IPv4-only library) and resolves. In the background it then runs: the bootstrap lookup
 * toward NetworkID (30 s cap; retried after 5 s doubling to 60 s, ±25 %); the announce loop (at
 * once, again after the first successful bootstrap if that announce failed, then every 15 min:
 * traversal + announce_peer with port G, implied_port 0, per hourly infohash); the query loop (at
 * once, then every 30 s, every 60 s once the peer store has ≥ 3 peers; a few extra ones in the
 * first 20 s, see DhtTimers.earlyQueriesMs); the node file every
 * 2 min. Values pass a strict address check and a 60 s per-address dedupe before `onPeer`.
 * With a known public IPv4 the node id is BEP 42-secure for it (Go keeps only secure ids);
 * when that IP changes the instance restarts with a new id and the same table. `stop()` clears
 * the timers, saves the node file and closes the sockets; it is idempotent.
 */
import { isIP } from 'node:net';
import { writeFileAtomic } from '../state/atomic-file';
import { PacketCounters } from './counters';
import { bep42NodeId } from './dht-bep42';
import { type PeerAddress, RecentSet, addressText, bootstrapBackoffMs, encodeNodesFile, jitterMs, validatePeerAddress } from './dht-helpers';
import { DhtInstance } from './dht-instance';
import { readNodesFile, resolveBootstrapNodes } from './dht-setup';
import { DhtSocket } from './dht-socket';
import { DEFAULT_DHT_TIMERS, type DhtDiscoveryOptions, type DhtState, type DhtStatus, type DhtTimers } from './dht-types';
import { RateLimiter } from './rate-limiter';

export { DEFAULT_DHT_TIMERS, type DhtDiscoveryOptions, type DhtState, type DhtStatus, type DhtTimers } from './dht-types';

/** Peers at which the query interval becomes 60 s for good. */
const SLOW_QUERY_PEERS = 3;
/** Per-source-IP limit on inbound DHT datagrams. */
const RATE = { ratePerSec: 50, burst: 100 };

/** The DHT discovery layer. */
export class DhtDiscovery {
  private state: DhtState = 'off';
  private readonly t: DhtTimers;
  private readonly counters = new PacketCounters();
  private readonly recent: RecentSet;
  private readonly sockets: DhtSocket[] = [];
  private readonly instances: DhtInstance[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private knownHashes: string[] = [];
  private starting: Promise<void> | undefined;
  /** The socket-binding part of start (stop waits for it, not for name resolution). */
  private binding: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private failures = 0;
  private idIp: string | undefined;
  private announcing = false;
  private reannounce = false;
  private querying = false;
  private slowQueries = false;
  private readonly stats: Pick<DhtStatus, 'lastAnnounceAt' | 'lastAnnounceOk' | 'lastQueryAt' | 'peersFound'> = { peersFound: 0 };
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DhtDiscoveryOptions) {
    this.t = { ...DEFAULT_DHT_TIMERS, ...opts.timers };
    this.recent = new RecentSet(this.t.dedupeMs);
  }

  /** Binds the socket(s); bootstrap continues in the background. @throws Error when no bootstrap node is usable or binding fails. */
  start(): Promise<void> {
    if (this.starting || this.stopping) return Promise.reject(new Error('DhtDiscovery can be started once'));
    this.starting = this.doStart();
    return this.starting;
  }

  /** Stops timers, saves the node file, closes the sockets. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.binding?.catch(() => undefined);
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      await this.save();
      await Promise.all(this.instances.map((i) => i.destroy()));
      await Promise.all(this.sockets.map((s) => s.close()));
      this.state = 'off';
    })();
    return this.stopping;
  }

  /** A snapshot for the status API. */
  status(): DhtStatus {
    const dropped = Object.values(this.counters.dropped).reduce((a, b) => a + b, 0);
    return { state: this.state, nodes: this.nodeCount(), port: this.sockets[0]?.port ?? 0, ...this.stats, dropped };
  }

  /** The IPv4 instance's node id (BEP 42-secure once the public IPv4 is known). */
  get nodeId(): Uint8Array | undefined {
    return this.instances.find((i) => i.family === 4)?.nodeId;
  }

  private async doStart(): Promise<void> {
    const { opts, t } = this;
    let bound!: () => void;
    this.binding = new Promise<void>((r) => { bound = r; });
    try {
      await this.bindSockets();
    } finally {
      bound();
    }
    // Names resolve after the sockets exist, so stop() never waits for a slow resolver.
    const boot = await resolveBootstrapNodes(opts.bootstrap, opts.ipv6, opts.logger);
    const saved = await readNodesFile(opts.nodesFile, opts.logger);
    if (this.stopping) return;
    const v4 = this.sockets[0]!;
    this.idIp = this.publicIp();
    for (const socket of this.sockets) {
      const family = socket.family;
      const inst = new DhtInstance({ socket, logger: opts.logger, rpcTimeoutMs: t.rpcTimeoutMs, bootstrap: boot.filter((a) => (isIP(a.ip) === 6) === (family === 6)), onValue: (a, ih) => this.onValue(a, ih) });
      inst.start(family === 4 && this.idIp ? bep42NodeId(this.idIp) : undefined);
      inst.addNodes(saved);
      this.instances.push(inst);
    }
    this.state = 'bootstrapping';
    opts.logger.info('DHT started', { port: v4.port, ipv6: this.sockets.length > 1, bootstrap: boot.length, savedNodes: saved.length });
    this.spawn(this.bootstrapAttempt());
    this.spawn(this.announceTick());
    this.queryTick();
    for (const ms of t.earlyQueriesMs) this.after(ms, () => this.spawn(this.runQuery()));
    this.after(t.announceMs, () => this.spawn(this.announceTick()), true);
    this.after(t.saveMs, () => this.spawn(this.save()), true);
  }

  /** Binds UDP G+1 (udp4; udp6 on the same port when IPv6 is on). */
  private async bindSockets(): Promise<void> {
    const { opts } = this;
    const common = { logger: opts.logger, counters: this.counters, limiter: new RateLimiter(opts.clock, RATE), fallbackToAnyPort: true };
    const v4 = await DhtSocket.bind({ ...common, family: 4, port: opts.port });
    this.sockets.push(v4);
    if (opts.ipv6) {
      try {
        this.sockets.push(await DhtSocket.bind({ ...common, family: 6, port: v4.port }));
      } catch (err) {
        opts.logger.info('DHT over IPv6 unavailable, IPv4 only', { error: (err as Error).message });
      }
    }
  }

  private async bootstrapAttempt(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.lookup(this.opts.networkId, this.t.opCapMs)));
    if (this.stopping) return;
    if (this.nodeCount() > 0) {
      if (this.state !== 'ready') this.opts.logger.info('DHT bootstrapped', { nodes: this.nodeCount() });
      this.state = 'ready';
      this.failures = 0;
      if (this.stats.lastAnnounceOk !== true) {
        if (this.announcing) this.reannounce = true;
        else this.spawn(this.announceTick());
      }
      return;
    }
    const delay = jitterMs(bootstrapBackoffMs(this.failures++, this.t.bootstrapBaseMs, this.t.bootstrapMaxMs));
    if (this.state !== 'failed') this.opts.logger.warn('DHT bootstrap failed, retrying', { retryInMs: Math.round(delay) });
    this.opts.logger.debug('DHT bootstrap attempt failed', { attempt: this.failures, retryInMs: Math.round(delay) });
    this.state = 'failed';
    this.after(delay, () => this.spawn(this.bootstrapAttempt()));
  }

  private async announceTick(): Promise<void> {
    if (this.stopping || this.announcing) return;
    this.announcing = true;
    let ok = false;
    try {
      await this.renewNodeId();
      for (const ih of this.hashes()) {
        const results = await Promise.all(this.instances.map((i) => i.announce(ih, this.opts.announcePort, this.t.opCapMs)));
        ok = results.includes(true) || ok;
      }
    } finally {
      this.announcing = false;
    }
    if (this.stopping) return;
    this.stats.lastAnnounceAt = this.opts.clock.now();
    this.stats.lastAnnounceOk = ok;
    this.opts.logger[ok ? 'debug' : 'info'](ok ? 'DHT announce done' : 'DHT announce reached no node', { port: this.opts.announcePort });
    const again = this.reannounce && !ok;
    this.reannounce = false;
    if (again) this.spawn(this.announceTick());
  }

  private queryTick(): void {
    if (this.stopping) return;
    try {
      if (this.opts.peerCount() >= SLOW_QUERY_PEERS) this.slowQueries = true; // for good
    } catch { /* keep the interval */ }
    this.after(this.slowQueries ? this.t.querySlowMs : this.t.queryMs, () => this.queryTick());
    if (this.state === 'ready' && this.nodeCount() === 0) {
      this.state = 'bootstrapping'; // the table emptied: bootstrap again
      this.spawn(this.bootstrapAttempt());
    }
    if (this.state === 'ready' && this.stats.lastAnnounceOk === false) this.spawn(this.announceTick());
    this.spawn(this.runQuery());
  }

  private async runQuery(): Promise<void> {
    if (this.querying) return;
    this.querying = true;
    try {
      if (this.idIp === undefined && !this.announcing) await this.renewNodeId();
      for (const ih of this.hashes()) await Promise.all(this.instances.map((i) => i.lookup(ih, this.t.opCapMs)));
    } finally {
      this.querying = false;
    }
    if (!this.stopping) this.stats.lastQueryAt = this.opts.clock.now();
  }

  /** Restarts the IPv4 instance with a BEP 42-secure id when the public IPv4 is new. */
  private async renewNodeId(): Promise<void> {
    const ip = this.publicIp();
    if (ip === undefined || ip === this.idIp) return;
    this.idIp = ip;
    const v4 = this.instances.find((i) => i.family === 4);
    if (!v4 || this.stopping) return;
    this.opts.logger.info('DHT node id renewed for the public IPv4 (BEP 42)', { ip });
    await v4.restart(bep42NodeId(ip));
  }

  private onValue(addr: PeerAddress, infoHash: Buffer): void {
    if (!this.knownHashes.includes(infoHash.toString('hex'))) return;
    const a = validatePeerAddress(addr.ip, addr.port, this.opts.ipv6);
    if (!a) return;
    this.stats.peersFound++;
    if (!this.recent.admit(addressText(a), this.opts.clock.now())) return;
    this.opts.onPeer(a);
  }

  /** Current and previous infohash, duplicates removed; remembers them for filtering values. */
  private hashes(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const hex: string[] = [];
    let list: Uint8Array[] = [];
    try {
      list = this.opts.infohashes(Math.floor(this.opts.clock.now() / 1000));
    } catch (err) {
      this.opts.logger.warn('DHT infohashes unavailable', { error: String(err) });
    }
    for (const h of list) {
      const x = Buffer.from(h).toString('hex');
      if (h.length === 20 && !hex.includes(x)) { out.push(h); hex.push(x); }
    }
    this.knownHashes = [...new Set([...hex, ...this.knownHashes])].slice(0, 4);
    return out;
  }

  /** Writes the node file when the table is non-empty; failures are logged. */
  private save(): Promise<void> {
    const file = this.opts.nodesFile;
    const nodes = this.instances.flatMap((i) => i.nodes());
    if (!file || !nodes.length) return this.saving;
    const data = encodeNodesFile(nodes);
    this.saving = this.saving
      .then(() => writeFileAtomic(file, data, 0o640))
      .catch((err: unknown) => this.opts.logger.warn('DHT node file not saved', { file, error: String(err) }));
    return this.saving;
  }

  private nodeCount(): number {
    return this.instances.reduce((n, i) => n + i.nodeCount, 0);
  }

  private publicIp(): string | undefined {
    const ip = this.opts.publicIPv4?.();
    return ip !== undefined && isIP(ip) === 4 ? ip : undefined;
  }

  /** Runs a background task; a failure is logged, never an unhandled rejection. */
  private spawn(task: Promise<void>): void {
    task.catch((err: unknown) => this.opts.logger.warn('DHT background task failed', { error: String(err) }));
  }

  /** A timer that stop() clears; unref'd, so it never keeps the process alive by itself. */
  private after(ms: number, fn: () => void, repeat = false): void {
    const timer = repeat ? setInterval(fn, ms) : setTimeout(() => { this.timers.delete(timer); fn(); }, ms);
    this.timers.add(timer.unref());
  }
}
