/** The `--metrics` listen address: parsing (`host:port`, `[v6]:port`) and the loopback check. */
import { isIP } from 'node:net';

/** Where the metrics server listens. */
export interface MetricsAddress {
  /** An IPv4 or IPv6 literal (without brackets), or a host name such as `localhost`. */
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Parses `host:port` or `[v6]:port` (port 1–65535). Throws an Error whose message says what is
 * expected; an IPv6 address must be bracketed so its colons are not taken for the port's.
 */
export function parseMetricsAddress(text: string): MetricsAddress {
  const bad = (why: string): Error => new Error(`--metrics must be host:port or [v6]:port, e.g. 127.0.0.1:9474 (${why}: ${JSON.stringify(text)})`);
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) {
    const colon = text.lastIndexOf(':');
    throw bad(colon > 0 && isIP(text.slice(0, colon)) === 6 ? 'bracket an IPv6 address' : 'not host:port');
  }
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw bad('port out of range');
  const v6 = m[1];
  if (v6 !== undefined) {
    if (isIP(v6) !== 6) throw bad('not an IPv6 address in the brackets');
    return { host: v6, port };
  }
  const host = m[2] ?? '';
  if (isIP(host) !== 4 && !HOSTNAME.test(host)) throw bad('not an IPv4 address or host name');
  return { host, port };
}

/** True for 127.0.0.0/8, ::1 (also as ::ffff:127.x) and `localhost`: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatMetricsAddress(a: MetricsAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
