/**
 * How a node finds the others beyond its LAN (wgmesh spec 3, issue 3): the user-facing settings,
 * their defaults, and the `host:port` server-list parser shared by the CLI (which checks input
 * before contacting the service) and the service (which checks it again). Pure: no Node APIs.
 */
import { z } from 'zod';
import { parseIp } from './mesh/ip';

/** BitTorrent DHT routers Go wgmesh bootstraps from (spec 3.5). */
export const DEFAULT_DHT_BOOTSTRAP: readonly string[] = [
  'router.bittorrent.com:6881', 'router.utorrent.com:6881', 'dht.transmissionbt.com:6881', 'dht.libtorrent.org:25401',
];

/** STUN servers Go wgmesh asks (spec 3.6: the first two are used). */
export const DEFAULT_STUN_SERVERS: readonly string[] = ['stun.l.google.com:19302', 'stun1.l.google.com:19302'];

/** Most servers accepted in one list. */
export const MAX_SERVERS = 16;

/** Discovery settings as stored and sent over the control API (absent lists mean the defaults). */
export const DiscoverySettings = z.strictObject({
  /** LAN multicast discovery (spec 3.2). */
  lan: z.boolean().default(true),
  /** BitTorrent mainline DHT (spec 3.5). */
  dht: z.boolean().default(true),
  /** DHT bootstrap nodes, `host:port`; absent = {@link DEFAULT_DHT_BOOTSTRAP}. */
  dhtBootstrap: z.array(z.string().max(300)).max(MAX_SERVERS).optional(),
  /** STUN servers, `host:port`; absent = {@link DEFAULT_STUN_SERVERS}; empty = no STUN. */
  stunServers: z.array(z.string().max(300)).max(MAX_SERVERS).optional(),
  /** Use IPv6 underlay endpoints (off = Go's `--no-ipv6`). */
  ipv6: z.boolean().default(true),
  /** Hole punching and rendezvous (off = Go's `--no-punching`). */
  punching: z.boolean().default(true),
  /** Serve rendezvous offers and relay for others (Go's `--introducer`). */
  introducer: z.boolean().default(false),
  /** In-mesh gossip (Go's `--gossip`, off by default as in Go). */
  gossip: z.boolean().default(false),
  /** Relay through an introducer whenever one exists (Go's `--force-relay`). */
  forceRelay: z.boolean().default(false),
});
/** Discovery settings (input form: every member optional). */
export type DiscoverySettingsInput = z.input<typeof DiscoverySettings>;
/** Discovery settings with defaults applied. */
export type DiscoverySettings = z.output<typeof DiscoverySettings>;

/** The settings of a node nobody configured. */
export const defaultDiscovery = (): DiscoverySettings => DiscoverySettings.parse({});

/** A server list entry that cannot be used; the message is safe to show. */
export class ServerListError extends Error {
  /** Control-API error code. */
  readonly code = 'invalid-server';
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** One parsed `host:port` (IPv6 in brackets); `host` without brackets. */
export interface ServerAddress {
  host: string;
  port: number;
}

/**
 * Parses `host:port`, `[v6]:port` or `a.b.c.d:port` with a port 1–65535 and a hostname or IP
 * host. @throws ServerListError naming the entry (only when it is printable and short).
 */
export function parseServerAddress(text: string, what = 'server'): ServerAddress {
  const t = text.trim();
  const shown = /^[\x21-\x7e]{1,300}$/.test(t) ? ` "${t}"` : '';
  const bad = (why: string): never => { throw new ServerListError(`invalid ${what}${shown}: ${why} (expected host:port, e.g. 192.0.2.10:6881 or [2001:db8::1]:3478)`); };
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(t) ?? /^([^:[\]]+):(\d{1,5})$/.exec(t);
  if (!m) return bad('not host:port');
  const host = m[1] ?? '';
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return bad('port must be 1–65535');
  if (t.startsWith('[')) {
    if (parseIp(host)?.length !== 16) return bad('not an IPv6 address in brackets');
  } else if (parseIp(host)?.length !== 4 && (/^[\d.]+$/.test(host) || !HOSTNAME_RE.test(host))) {
    return bad('not a hostname or IPv4 address');
  }
  return { host, port };
}

/** Parses a comma-separated (or array) server list; empty entries are skipped; duplicates removed. */
export function parseServerList(input: string | readonly string[], what = 'server'): string[] {
  const items = (typeof input === 'string' ? input.split(',') : [...input]).map((s) => s.trim()).filter((s) => s !== '');
  if (items.length > MAX_SERVERS) throw new ServerListError(`too many ${what}s: at most ${MAX_SERVERS}`);
  const out: string[] = [];
  for (const s of items) {
    const a = parseServerAddress(s, what);
    const host = a.host.toLowerCase();
    const canon = host.includes(':') ? `[${host}]:${a.port}` : `${host}:${a.port}`;
    if (!out.includes(canon)) out.push(canon);
  }
  return out;
}
