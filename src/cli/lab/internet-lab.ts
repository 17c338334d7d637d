/**
 * "Across the internet" (issue 3): cloudroofd nodes on public hosts and behind consumer NAT
 * routers, with our own STUN servers and DHT bootstrap node on an "internet" segment. Everything
 * lives in namespaces named with one random prefix (`<prefix>-inet`, `<prefix>-n<i>`), so the
 * NetnsLab cleanup (by PID, then by name — also from exit and signal handlers) removes all of it.
 * Nothing is created in the root namespace: every veth is created inside a lab namespace.
 *
 * Default topology (site k: a public host at 203.0.113.<10+k> / 3fff:0:1::<10+k>, or a home whose
 * router has WAN 203.0.113.<10+k> and LAN 10.0.<k>.0/24 with the host at .2; ".11" = 203.0.113.11):
 *
 *                    STUN 198.51.100.1:3478, 198.51.100.2:3478 (our StunServer)
 *                    DHT bootstrap 198.51.100.3:6881, [3fff:0:5::3]:6881 (DhtBootstrapNode)
 *                                 (addresses on lo of <prefix>-inet)
 *  ┌─────────────────── <prefix>-inet: bridge br0, "the internet" ──────────────────────┐
 *  │ gateway 203.0.113.1/24, 3fff:0:1::1/64; route 3fff:0:26::/64 via dual's router     │
 *  └──┬──────────┬──────────┬──────────┬──────────┬──────────┬──────────┬──────────────┘
 *     │          │          │          │          │          │          │
 *    vps      cone-a r   cone-b r   sym-c r    sym-d r     v6vps     dual r
 *    .10      .11        .12        .13        .14        no IPv4    .16, 3fff:0:1::16
 *    3fff:    masquerade masquerade masquerade masquerade 3fff:      masquerade (v4),
 *    0:1::10  (cone)     (cone)     random     random     0:1::15    routed v6, no NAT66
 *    introducer │          │        (symm.)    (symm.)                 │
 *            10.0.1.2   10.0.2.2   10.0.3.2   10.0.4.2              10.0.6.2
 *            cone-a     cone-b     sym-c      sym-d                 3fff:0:26::2  dual
 *
 * Routers are consumer routers (nftables): forward LAN→WAN, drop unsolicited inbound except
 * established/related (IPv4 and IPv6, RFC 6092's default: no inbound port is opened for the
 * mesh, also not on the routed IPv6 prefix), answer ICMP themselves, let ICMPv6 errors and echo
 * through. `cone` = plain `masquerade` (the source port is kept for every destination:
 * endpoint-independent mapping), `symmetric` = `masquerade random` (a port per destination).
 *
 * IPv6 uses 3fff::/20 (RFC 9637 documentation space), not 2001:db8::/32: the endpoint scan of
 * spec 3.6 discards 2001:db8::/32, so a host with only such addresses would never advertise an
 * IPv6 endpoint. IPv4 uses TEST-NET-2 (servers) and TEST-NET-3 (WANs, public hosts).
 *
 * Lifecycle: create() (LabCluster with `lan: false` nodes: hosts first, then routers; the
 * internet namespace; links, addresses, routes, nftables; STUN and DHT servers started inside
 * `<prefix>-inet` from bundles built with esbuild) → startNode()/join() per host →
 * renumberHost()/renumberWan()/setUplink()/stopDht() → destroy().
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Esbuild from 'esbuild';
import { signalTree } from './cleanup';
import { LabCluster, type StartNodeOptions } from './cluster';
import { execArgv, execChecked, type ExecResult } from './exec';
import { waitFor } from './wait-for';

/** How a home router maps outgoing IPv4 connections. */
export type NatKind = 'cone' | 'symmetric';

/** One site of the internet: a host on the segment itself, or a home behind its router. */
export interface SiteSpec {
  /** Role name ([a-z0-9-]); also the node's hostname in the mesh. */
  name: string;
  kind: 'public' | 'home';
  /** Public hosts only: a public IPv4 address (default true). Homes always have IPv4 (NAT). */
  ipv4?: boolean;
  /** A public IPv6 address (public host) or a routed /64 without NAT66 (home); default false. */
  ipv6?: boolean;
  /** Homes only (default `cone`). */
  nat?: NatKind;
}

/** The default sites (see the module comment). */
export const DEFAULT_SITES: readonly SiteSpec[] = [
  { name: 'vps', kind: 'public', ipv4: true, ipv6: true },
  { name: 'cone-a', kind: 'home', nat: 'cone' },
  { name: 'cone-b', kind: 'home', nat: 'cone' },
  { name: 'sym-c', kind: 'home', nat: 'symmetric' },
  { name: 'sym-d', kind: 'home', nat: 'symmetric' },
  { name: 'v6vps', kind: 'public', ipv4: false, ipv6: true },
  { name: 'dual', kind: 'home', nat: 'cone', ipv6: true },
];

/** Options of {@link InternetLab.create}. */
export interface InternetLabOptions {
  /** Name prefix (default: NetnsLab's random one). */
  prefix?: string;
  sites?: readonly SiteSpec[];
  /** Progress lines (default: silent). */
  log?: (s: string) => void;
}

/** The ISPs' router on the segment. */
export const GATEWAY_IPV4 = '203.0.113.1';
/** The ISPs' router on the segment (IPv6). */
export const GATEWAY_IPV6 = '3fff:0:1::1';
/** Our two STUN servers (port {@link STUN_PORT}). */
export const STUN_IPS: readonly string[] = ['198.51.100.1', '198.51.100.2'];
/** STUN port. */
export const STUN_PORT = 3478;
/** The DHT bootstrap node's addresses (port {@link DHT_PORT}). */
export const DHT_IPV4 = '198.51.100.3';
/** The DHT bootstrap node's IPv6 address. */
export const DHT_IPV6 = '3fff:0:5::3';
/** DHT bootstrap port. */
export const DHT_PORT = 6881;

const SITE_NAME_RE = /^[a-z][a-z0-9-]{0,30}$/;
const DHT_NODE_SRC = 'src/service/discovery/dht-node.ts';

/** A site with its lab indices and current addresses. */
interface Site {
  spec: SiteSpec;
  k: number;
  /** Node index of the host (runs cloudroofd). */
  host: number;
  /** Node index of the router (homes). */
  router?: number;
  /** Host's own IPv4: public address, or LAN address behind the router. */
  hostV4?: string;
  /** Router's public IPv4 (homes). */
  wanV4?: string;
  /** Host's global IPv6. */
  hostV6?: string;
}

// STUN servers (`serve <ip>...`) and NAT detection (`detect <ip> <ip>`), as stun-nat.test.ts.
const STUN_CHILD = `
import { StunServer } from './src/service/discovery/stun-server';
import { detectNat } from './src/service/discovery/stun';
const [mode, ...ips] = process.argv.slice(2);
if (mode === 'serve') {
  for (const ip of ips) await new StunServer().start(ip, ${STUN_PORT});
  process.on('SIGTERM', () => process.exit(0));
  console.log('READY stun ' + ips.join(' '));
} else {
  const r = await detectNat(ips.map((host) => ({ host, port: ${STUN_PORT} })), 51820, { timeoutMs: 1500 });
  console.log(JSON.stringify(r));
}
`;

// The DHT bootstrap node: `<host> <port>` pairs; a family that fails to start is reported, not fatal.
const DHT_CHILD = `
import { DhtBootstrapNode } from './src/service/discovery/dht-node';
const args = process.argv.slice(2);
const nodes = [];
for (let i = 0; i + 1 < args.length; i += 2) {
  const n = new DhtBootstrapNode();
  try { await n.start(args[i], Number(args[i + 1])); nodes.push(n); console.log('STARTED ' + args[i]); }
  catch (err) { console.log('FAILED ' + args[i] + ': ' + (err && err.message)); }
}
const stop = async () => { await Promise.all(nodes.map((n) => n.stop().catch(() => undefined))); process.exit(0); };
process.on('SIGTERM', () => void stop());
setInterval(() => console.log(new Date().toISOString() + ' routing table: ' + nodes.map((n) => n.nodeCount).join(',')), 15000);
console.log(nodes.length > 0 ? 'READY dht' : 'NONE');
`;

// A raw KRPC ping (BEP 5) to <host> <port>: prints PONG and exits 0 on an answer within 3 s.
const KRPC_PING = `const [h,p]=process.argv.slice(-2);const d=require('dgram').createSocket(h.includes(':')?'udp6':'udp4');
setTimeout(()=>{console.log('TIMEOUT');process.exit(1)},3000);
d.on('message',(b)=>{if(b.includes('1:y1:r')){console.log('PONG');process.exit(0)}});
d.send(Buffer.from('d1:ad2:id20:cloudroof-lab-ping-1e1:q4:ping1:t2:aa1:y1:qe'),Number(p),h,(e)=>{if(e){console.log(e.message);process.exit(1)}});`;

/** A built internet lab; see the module comment. */
export class InternetLab {
  /** The namespace of the internet segment, STUN and DHT servers. */
  readonly inetNs: string;
  /** Why the DHT bootstrap node is not running ('' while it runs). */
  dhtError = '';
  /** Whether the DHT bootstrap node also listens on IPv6. */
  dhtIpv6 = false;
  private readonly sites = new Map<string, Site>();
  private readonly children = new Set<ChildProcess>();
  private dhtChild: ChildProcess | undefined;
  private bundles: { stun: string; dht?: string } = { stun: '' };
  private readonly logDir: string;

  private constructor(
    /** The cloudroofd nodes (hosts) and routers; routers never run cloudroofd. */
    readonly cluster: LabCluster,
    specs: readonly SiteSpec[],
    private readonly log: (s: string) => void,
  ) {
    this.inetNs = `${cluster.lab.prefix}-inet`;
    this.logDir = join(cluster.lab.tmpDir, 'inet');
    let nextRouter = specs.length;
    specs.forEach((spec, k) => {
      const site: Site = { spec, k, host: k };
      if (spec.kind === 'home') {
        site.router = nextRouter++;
        site.wanV4 = `203.0.113.${10 + k}`;
        site.hostV4 = `10.0.${k}.2`;
        if (spec.ipv6) site.hostV6 = `3fff:0:${20 + k}::2`;
      } else {
        if (spec.ipv4 !== false) site.hostV4 = `203.0.113.${10 + k}`;
        if (spec.ipv6) site.hostV6 = `3fff:0:1::${10 + k}`;
      }
      this.sites.set(spec.name, site);
    });
  }

  /** Builds the lab (see the module comment); on any failure everything built so far is removed. */
  static async create(opts: InternetLabOptions = {}): Promise<InternetLab> {
    const specs = opts.sites ?? DEFAULT_SITES;
    checkSites(specs);
    const routers = specs.filter((s) => s.kind === 'home').length;
    const cluster = await LabCluster.create({
      ...(opts.prefix ? { prefix: opts.prefix } : {}), nodes: specs.length + routers, lan: false, log: opts.log,
    });
    const lab = new InternetLab(cluster, specs, opts.log ?? (() => undefined));
    try {
      await lab.build();
      await lab.startServers();
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  /** Names of all sites, in order. */
  get siteNames(): string[] {
    return [...this.sites.keys()];
  }

  /** Node index (in {@link cluster}) of the host of site `name`. */
  node(name: string): number {
    return this.site(name).host;
  }

  /** Node index of a home's router (no cloudroofd runs there), or undefined for a public host. */
  routerNode(name: string): number | undefined {
    return this.site(name).router;
  }

  /** The site's spec. */
  spec(name: string): SiteSpec {
    return this.site(name).spec;
  }

  /** The public IPv4 others see for site `name` (a home's router WAN), if it has one. */
  publicIPv4(name: string): string | undefined {
    const s = this.site(name);
    return s.spec.kind === 'home' ? s.wanV4 : s.hostV4;
  }

  /** The host's own IPv4 (LAN address for homes), if any. */
  hostIPv4(name: string): string | undefined {
    return this.site(name).hostV4;
  }

  /** The host's global IPv6 address, if any. */
  hostIPv6(name: string): string | undefined {
    return this.site(name).hostV6;
  }

  /** `host:port` of the two STUN servers. */
  get stunServers(): string[] {
    return STUN_IPS.map((ip) => `${ip}:${STUN_PORT}`);
  }

  /** `host:port` of the DHT bootstrap node (IPv4, and IPv6 when it listens there). */
  get dhtBootstrap(): string[] {
    return [`${DHT_IPV4}:${DHT_PORT}`, ...(this.dhtIpv6 ? [`[${DHT_IPV6}]:${DHT_PORT}`] : [])];
  }

  /** Discovery flags for `cloudroof join`: no LAN discovery, our DHT bootstrap node and STUN servers. */
  discoveryArgs(): string[] {
    return ['--no-lan-discovery', '--dht-bootstrap', this.dhtBootstrap.join(','), '--stun', this.stunServers.join(',')];
  }

  /** Starts cloudroofd on the site's host, with the site name as hostname. */
  startNode(name: string, opts: StartNodeOptions = {}): Promise<void> {
    return this.cluster.startNode(this.node(name), { ...opts, env: { CLOUDROOF_HOSTNAME: name, ...opts.env } });
  }

  /** `cloudroof join --secret-file F` with {@link discoveryArgs} and `extra` (e.g. `--introducer`). */
  join(name: string, secretFile: string, extra: readonly string[] = []): Promise<ExecResult> {
    return this.cluster.cli(this.node(name), ['join', '--secret-file', secretFile, ...this.discoveryArgs(), ...extra]);
  }

  /** Runs `argv` on the site's host (never rejects for a non-zero exit). */
  exec(name: string, argv: readonly string[], timeoutMs?: number): Promise<ExecResult> {
    return this.cluster.lab.exec(this.node(name), argv, timeoutMs ? { timeoutMs } : undefined);
  }

  /** Runs `argv` in the internet namespace. */
  inetExec(argv: readonly string[]): Promise<ExecResult> {
    return execArgv('ip', ['netns', 'exec', this.inetNs, ...argv]);
  }

  /** NAT detection (spec 3.6 client, 1.5 s per server) run on the site's host against our STUN servers. */
  async detectNat(name: string): Promise<{ endpoint: string; natType: string } | null> {
    const r = await this.exec(name, [process.execPath, this.bundles.stun, 'detect', ...STUN_IPS], 15_000);
    if (r.code !== 0) throw new Error(`NAT detection on ${name} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as { endpoint: string; natType: string } | null;
  }

  /** True if a raw KRPC ping from the site's host to the DHT bootstrap node is answered. */
  async dhtPing(name: string, family: 4 | 6 = 4): Promise<boolean> {
    const host = family === 6 ? DHT_IPV6 : DHT_IPV4;
    return (await this.exec(name, [process.execPath, '-e', KRPC_PING, host, String(DHT_PORT)], 10_000)).code === 0;
  }

  /**
   * Pings, from every host, the gateway(s) and the STUN / DHT server addresses of its address
   * families (fping, 2 retries); resolves with what did not answer (`[]` = all fine).
   */
  async checkConnectivity(): Promise<string[]> {
    const failed: string[] = [];
    await Promise.all([...this.sites.values()].map(async (s) => {
      const targets = [
        ...(s.hostV4 ? [GATEWAY_IPV4, ...STUN_IPS, DHT_IPV4] : []),
        ...(s.hostV6 ? [GATEWAY_IPV6, DHT_IPV6] : []),
        ...[...this.sites.values()].filter((o) => o.spec.kind === 'public' && o !== s).flatMap((o) => [
          ...(s.hostV4 && o.hostV4 ? [o.hostV4] : []), ...(s.hostV6 && o.hostV6 ? [o.hostV6] : [])]),
      ];
      const r = await this.exec(s.spec.name, ['fping', '-u', '-r', '2', '-t', '300', ...targets]);
      if (r.code > 1) failed.push(`${s.spec.name}: fping failed (exit ${r.code}): ${r.stderr.trim()}`);
      for (const ip of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) failed.push(`${s.spec.name} → ${ip}`);
    }));
    return failed;
  }

  /**
   * The host gets a new address on its link (a new DHCP lease for a home host, a new public IPv4
   * for a public host), alternating between two; the default route is kept. Resolves with it.
   */
  async renumberHost(name: string): Promise<string> {
    const s = this.site(name);
    const old = s.hostV4;
    if (!old) throw new Error(`${name} has no IPv4 address`);
    const next = s.spec.kind === 'home'
      ? `10.0.${s.k}.${old.endsWith('.2') ? 3 : 2}`
      : `203.0.113.${old === `203.0.113.${10 + s.k}` ? 110 + s.k : 10 + s.k}`;
    const gw = s.spec.kind === 'home' ? `10.0.${s.k}.1` : GATEWAY_IPV4;
    await this.ipBatch(this.cluster.lab.nodeNs(s.host), [
      `addr add ${next}/24 dev eth0`, `addr del ${old}/24 dev eth0`, `route replace default via ${gw} dev eth0`]);
    s.hostV4 = next;
    this.log(`internet lab: ${name} renumbered ${old} → ${next}`);
    return next;
  }

  /**
   * The home's router gets a new public IPv4 from its ISP (alternating between two). The kernel
   * drops the router's masquerade mappings of the old address, as a real CPE does. Resolves with it.
   */
  async renumberWan(name: string): Promise<string> {
    const s = this.site(name);
    if (s.router === undefined || !s.wanV4) throw new Error(`${name} is not a home`);
    const old = s.wanV4;
    const next = `203.0.113.${old === `203.0.113.${10 + s.k}` ? 110 + s.k : 10 + s.k}`;
    await this.ipBatch(this.cluster.lab.nodeNs(s.router), [
      `addr add ${next}/24 dev wan`, `addr del ${old}/24 dev wan`, `route replace default via ${GATEWAY_IPV4} dev wan`]);
    s.wanV4 = next;
    this.log(`internet lab: ${name}'s router renumbered ${old} → ${next}`);
    return next;
  }

  /** Cuts (or restores) the site's line to the internet at the ISP side; the site notices nothing locally. */
  async setUplink(name: string, up: boolean): Promise<void> {
    await execChecked('ip', ['-n', this.inetNs, 'link', 'set', `p${this.site(name).k}`, up ? 'up' : 'down']);
  }

  /** Stops the DHT bootstrap node (SIGTERM, SIGKILL after 3 s). */
  async stopDht(): Promise<void> {
    const c = this.dhtChild;
    this.dhtChild = undefined;
    if (c) await stopChild(c);
    this.dhtError = 'stopped';
  }

  /** (Re)starts the DHT bootstrap node; sets {@link dhtError} if it cannot run. */
  async startDht(): Promise<void> {
    if (this.dhtChild) return;
    if (!this.bundles.dht) {
      this.dhtError = `${DHT_NODE_SRC} does not exist or does not build`;
      return;
    }
    const child = this.spawnInet([process.execPath, '--enable-source-maps', this.bundles.dht,
      DHT_IPV4, String(DHT_PORT), DHT_IPV6, String(DHT_PORT)], 'dht');
    this.dhtChild = child;
    const out = await this.waitReady('dht', child, /^(READY|NONE)/m);
    this.dhtIpv6 = out.includes(`STARTED ${DHT_IPV6}`);
    this.dhtError = out.includes('READY') ? '' : `the DHT bootstrap node did not start: ${out.trim()}`;
  }

  /** Stops the servers, every node, and removes all namespaces (idempotent). */
  async destroy(): Promise<void> {
    await Promise.all([...this.children].map(stopChild));
    await this.cluster.destroy();
  }

  private site(name: string): Site {
    const s = this.sites.get(name);
    if (!s) throw new Error(`no site ${name} in the internet lab`);
    return s;
  }

  private async build(): Promise<void> {
    const ns = this.inetNs;
    await execChecked('ip', ['netns', 'add', ns]);
    await sysctls(ns, ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    await this.ipBatch(ns, ['link set lo up', 'link add br0 type bridge mcast_snooping 0', 'link set br0 up',
      `addr add ${GATEWAY_IPV4}/24 dev br0`, `addr add ${GATEWAY_IPV6}/64 dev br0 nodad`,
      ...STUN_IPS.map((ip) => `addr add ${ip}/32 dev lo`), `addr add ${DHT_IPV4}/32 dev lo`, `addr add ${DHT_IPV6}/128 dev lo`]);
    for (const s of this.sites.values()) {
      if (s.router === undefined) await this.buildPublic(s);
      else await this.buildHome(s, s.router);
    }
    await waitFor(async () => {
      const failed = await this.checkConnectivity();
      if (failed.length > 0) throw new Error(`unanswered: ${failed.join(', ')}`);
      return true;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'every lab host to reach the internet segment' });
  }

  private async buildPublic(s: Site): Promise<void> {
    const hostNs = this.cluster.lab.nodeNs(s.host);
    await sysctls(hostNs, []);
    await this.veth(this.inetNs, `p${s.k}`, hostNs, 'eth0');
    await execChecked('ip', ['-n', this.inetNs, 'link', 'set', `p${s.k}`, 'master', 'br0', 'up']);
    await this.ipBatch(hostNs, [
      ...(s.hostV4 ? [`addr add ${s.hostV4}/24 dev eth0`] : []),
      ...(s.hostV6 ? [`addr add ${s.hostV6}/64 dev eth0 nodad`] : []),
      'link set eth0 up',
      ...(s.hostV4 ? [`route add default via ${GATEWAY_IPV4} dev eth0`] : []),
      ...(s.hostV6 ? [`route add default via ${GATEWAY_IPV6} dev eth0`] : []),
    ]);
  }

  private async buildHome(s: Site, router: number): Promise<void> {
    const [hostNs, routerNs] = [this.cluster.lab.nodeNs(s.host), this.cluster.lab.nodeNs(router)];
    const v6 = s.spec.ipv6 === true;
    const wanV6 = `3fff:0:1::${10 + s.k}`;
    const lan6 = `3fff:0:${20 + s.k}::`;
    await sysctls(hostNs, []);
    await sysctls(routerNs, ['net.ipv4.ip_forward=1', ...(v6 ? ['net.ipv6.conf.all.forwarding=1'] : [])]);
    await this.veth(this.inetNs, `p${s.k}`, routerNs, 'wan');
    await execChecked('ip', ['-n', this.inetNs, 'link', 'set', `p${s.k}`, 'master', 'br0', 'up']);
    await this.veth(routerNs, 'lan', hostNs, 'eth0');
    await this.ipBatch(routerNs, [
      `addr add ${s.wanV4}/24 dev wan`, `addr add 10.0.${s.k}.1/24 dev lan`,
      ...(v6 ? [`addr add ${wanV6}/64 dev wan nodad`, `addr add ${lan6}1/64 dev lan nodad`] : []),
      'link set wan up', 'link set lan up', `route add default via ${GATEWAY_IPV4} dev wan`,
      ...(v6 ? [`route add default via ${GATEWAY_IPV6} dev wan`] : []),
    ]);
    await execChecked('ip', ['netns', 'exec', routerNs, 'nft', '-f', '-'], { input: routerRuleset(s.spec.nat ?? 'cone') });
    await this.ipBatch(hostNs, [
      `addr add ${s.hostV4}/24 dev eth0`, ...(v6 ? [`addr add ${s.hostV6}/64 dev eth0 nodad`] : []),
      'link set eth0 up', `route add default via 10.0.${s.k}.1 dev eth0`,
      ...(v6 ? [`route add default via ${lan6}1 dev eth0`] : []),
    ]);
    if (v6) await execChecked('ip', ['-n', this.inetNs, 'route', 'add', `${lan6}/64`, 'via', wanV6, 'dev', 'br0']);
  }

  /** A veth pair created inside `nsA` with its peer placed straight into `nsB`. */
  private async veth(nsA: string, a: string, nsB: string, b: string): Promise<void> {
    await execChecked('ip', ['-n', nsA, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
  }

  private async ipBatch(ns: string, cmds: readonly string[]): Promise<void> {
    await execChecked('ip', ['-n', ns, '-batch', '-'], { input: `${cmds.join('\n')}\n` });
  }

  private async startServers(): Promise<void> {
    mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
    const root = this.cluster.repoRoot;
    this.bundles.stun = await bundle(root, STUN_CHILD, join(this.logDir, 'stun-child.mjs'));
    if (existsSync(join(root, DHT_NODE_SRC))) {
      try {
        this.bundles.dht = await bundle(root, DHT_CHILD, join(this.logDir, 'dht-child.mjs'));
      } catch (err) {
        this.log(`internet lab: cannot build the DHT bootstrap node: ${(err as Error).message}`);
      }
    }
    const stun = this.spawnInet([process.execPath, '--enable-source-maps', this.bundles.stun, 'serve', ...STUN_IPS], 'stun');
    await this.waitReady('stun', stun, /^READY/m);
    await this.startDht();
    if (this.dhtError) this.log(`internet lab: no DHT bootstrap node: ${this.dhtError}`);
  }

  /** Starts a tracked process in its own process group inside the internet namespace. */
  private spawnInet(argv: readonly string[], logName: string): ChildProcess {
    const out = openSync(join(this.logDir, `${logName}.log`), 'a');
    try {
      const child = spawnChild('ip', ['netns', 'exec', this.inetNs, ...argv], { detached: true, stdio: ['ignore', out, out] });
      this.children.add(child);
      child.on('exit', () => this.children.delete(child));
      child.on('error', () => this.children.delete(child));
      return child;
    } finally {
      closeSync(out);
    }
  }

  /** Contents of an internet-side log (`stun`, `dht`). */
  serverLog(logName: 'stun' | 'dht'): string {
    try {
      return readFileSync(join(this.logDir, `${logName}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  private async waitReady(logName: 'stun' | 'dht', child: ChildProcess, ready: RegExp): Promise<string> {
    return waitFor<string | undefined>(() => {
      const out = this.serverLog(logName);
      if (ready.test(out)) return out;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${logName} server exited: ${out.trim()}`);
      return undefined;
    }, { timeoutMs: 20_000, intervalMs: 100, what: `the ${logName} server in ${this.inetNs}`, failFast: true }) as Promise<string>;
  }
}

function checkSites(specs: readonly SiteSpec[]): void {
  if (specs.length < 1 || specs.length > 40) throw new Error('an internet lab has 1–40 sites');
  const names = new Set<string>();
  for (const s of specs) {
    if (!SITE_NAME_RE.test(s.name) || names.has(s.name)) throw new Error(`bad or duplicate site name ${JSON.stringify(s.name)}`);
    if (s.kind === 'public' && s.ipv4 === false && !s.ipv6) throw new Error(`public site ${s.name} has no address`);
    names.add(s.name);
  }
}

/**
 * Sets sysctls in `ns`. Always: no duplicate address detection (addresses work at once), and a
 * secondary IPv4 address is promoted when the primary goes (renumbering adds the new address
 * before it deletes the old one, which would otherwise take the new one with it).
 */
async function sysctls(ns: string, extra: readonly string[]): Promise<void> {
  await execChecked('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w',
    'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
    'net.ipv4.conf.all.promote_secondaries=1', 'net.ipv4.conf.default.promote_secondaries=1', ...extra]);
}

/** A consumer router's nftables ruleset (see the module comment). */
export function routerRuleset(nat: NatKind): string {
  return `table inet lab_router {
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established,related accept
    iifname "lan" accept
    meta l4proto { icmp, ipv6-icmp } accept
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
    icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request } accept
  }
}
table ip lab_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade${nat === 'symmetric' ? ' random' : ''}
  }
}
`;
}

/** esbuild, loaded at run time from the checkout (a dev dependency; never bundled into dist/). */
async function loadEsbuild(): Promise<typeof Esbuild> {
  const name = 'esbuild';
  const m = (await import(name)) as typeof Esbuild & { default?: typeof Esbuild };
  return typeof m.build === 'function' ? m : (m.default as typeof Esbuild);
}

/** Bundles `source` (TypeScript importing from the checkout's src/) into one ESM file `out`. */
async function bundle(root: string, source: string, out: string): Promise<string> {
  const esbuild = await loadEsbuild();
  await esbuild.build({
    stdin: { contents: source, resolveDir: root, loader: 'ts', sourcefile: 'lab-child.ts' },
    outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', sourcemap: 'inline',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

/** SIGTERM to the child's process group, SIGKILL after 3 s; resolves once it exited. */
async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  signalTree(c.pid, 'SIGTERM');
  const t = setTimeout(() => { if (c.pid) signalTree(c.pid, 'SIGKILL'); }, 3000);
  await exited;
  clearTimeout(t);
}
