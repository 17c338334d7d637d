/**
 * Start-up and persistence I/O of the DHT layer: resolving the bootstrap list once (spec 3.5:
 * unresolvable entries skipped, none usable → error) and reading the node file (spec 4.10:
 * a corrupt or truncated file is ignored with a warning, never fatal).
 */
import dns from 'node:dns';
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import { parseServerAddress } from '../../shared/discovery';
import type { Logger } from '../log';
import { type DhtNodeRecord, type PeerAddress, decodeNodesFile } from './dht-helpers';

/** Most node-file records taken at start (the routing table holds far fewer). */
const MAX_LOADED_NODES = 2000;
/** How long one bootstrap name may take to resolve. */
const RESOLVE_TIMEOUT_MS = 10_000;

/**
 * Resolves `host:port` entries: one IPv4 and (with `ipv6`) one IPv6 address per name, in list
 * order. @throws Error naming the list when no entry yields a usable address.
 */
export async function resolveBootstrapNodes(list: readonly string[], ipv6: boolean, logger: Logger): Promise<PeerAddress[]> {
  const resolved = await Promise.all(list.map(async (entry): Promise<PeerAddress[]> => {
    let hp;
    try {
      hp = parseServerAddress(entry, 'DHT bootstrap node');
    } catch {
      logger.warn('invalid DHT bootstrap node skipped', { node: entry });
      return [];
    }
    try {
      const all = isIP(hp.host) ? [{ address: hp.host, family: isIP(hp.host) }] : await lookupAll(hp.host);
      const usable = [all.find((a) => a.family === 4), ipv6 ? all.find((a) => a.family === 6) : undefined];
      const out = usable.flatMap((a) => (a ? [{ ip: a.address, port: hp.port }] : []));
      if (!out.length) logger.warn('DHT bootstrap node has no usable address, skipped', { node: entry });
      return out;
    } catch (err) {
      logger.warn('DHT bootstrap node unresolvable, skipped', { node: entry, error: (err as Error).message });
      return [];
    }
  }));
  const out = resolved.flat();
  if (!out.length) {
    const shown = list.length ? list.join(', ') : 'an empty list';
    throw new Error(`DHT: no usable bootstrap node (${shown}: unresolvable, invalid, or IPv6 with IPv6 off)`);
  }
  return out;
}

async function lookupAll(host: string): Promise<dns.LookupAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`resolving ${host} timed out`)), RESOLVE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([dns.promises.lookup(host, { all: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the node file; [] when absent, unreadable or corrupt (the latter two logged). */
export async function readNodesFile(file: string | undefined, logger: Logger): Promise<DhtNodeRecord[]> {
  if (!file) return [];
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn('DHT node file unreadable, ignored', { file, error: (err as Error).message });
    return [];
  }
  const nodes = decodeNodesFile(data);
  if (!nodes) logger.warn('DHT node file corrupt, ignored', { file, bytes: data.length });
  return (nodes ?? []).slice(0, MAX_LOADED_NODES);
}
