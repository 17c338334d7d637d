/**
 * Peer cache (spec 4.9): every stored peer written to `<state-dir>/peers.json` (0600), restored
 * at join with method `cache` so a restarted node reconnects without waiting for discovery.
 */
import path from 'node:path';
import { z } from 'zod';
import type { PeerRecord, PeerStore } from '../backend/peer-store';
import { readJsonFile, writeJsonFile } from './atomic-file';

const entrySchema = z.object({
  wg_pubkey: z.string().min(1),
  hostname: z.string().optional(),
  mesh_ip: z.string().default(''),
  mesh_ipv6: z.string().optional(),
  endpoint: z.string().default(''),
  introducer: z.boolean().optional(),
  routable_networks: z.array(z.string()).optional(),
  nat_type: z.string().optional(),
  last_seen: z.number().int(),
});
const fileSchema = z.object({
  peers: z.array(entrySchema).nullable(),
  updated_at: z.number(),
  /** Peers that said GOODBYE, with when (Unix s): a restart must not bring them back. */
  departed: z.array(z.object({ wg_pubkey: z.string().min(1).max(64), at: z.number().int() })).max(1000).optional(),
});

/** Restore horizon (spec 4.8): entries older than 24 h are ignored. */
export const CACHE_MAX_AGE_MS = 24 * 3600_000;

/** Path of the peer cache. */
export const peerCachePath = (stateDir: string): string => path.join(stateDir, 'peers.json');

/** Writes every stored peer, and the departures the store remembers. */
export async function savePeerCache(
  stateDir: string, peers: readonly PeerRecord[], nowMs: number, departed: readonly (readonly [string, number])[] = [],
): Promise<void> {
  const entries = peers.map((p) => ({
    wg_pubkey: p.publicKey,
    ...(p.hostname ? { hostname: p.hostname } : {}),
    mesh_ip: p.meshIp,
    ...(p.meshIpv6 ? { mesh_ipv6: p.meshIpv6 } : {}),
    endpoint: p.endpoint,
    ...(p.introducer ? { introducer: true } : {}),
    ...(p.routableNetworks.length ? { routable_networks: p.routableNetworks } : {}),
    ...(p.natType ? { nat_type: p.natType } : {}),
    last_seen: Math.floor(p.lastSeen / 1000),
  }));
  await writeJsonFile(peerCachePath(stateDir), {
    peers: entries.length ? entries : null, updated_at: Math.floor(nowMs / 1000),
    ...(departed.length ? { departed: departed.map(([k, at]) => ({ wg_pubkey: k, at: Math.floor(at / 1000) })) } : {}),
  });
}

/**
 * Restores cached peers seen within 24 h into the store (method `cache`, saved last_seen).
 * `accept` filters entries (own key, foreign mesh). Returns how many were restored; a corrupt
 * cache is ignored.
 */
export async function restorePeerCache(stateDir: string, store: PeerStore, nowMs: number, accept: (publicKey: string, meshIp: string) => boolean): Promise<number> {
  const parsed = fileSchema.safeParse(await readJsonFile(peerCachePath(stateDir)).catch(() => undefined));
  if (!parsed.success) return 0;
  for (const d of parsed.data.departed ?? []) store.rememberDeparture(d.wg_pubkey, d.at * 1000);
  let n = 0;
  for (const e of parsed.data.peers ?? []) {
    const lastSeen = e.last_seen * 1000;
    if (nowMs - lastSeen > CACHE_MAX_AGE_MS || !accept(e.wg_pubkey, e.mesh_ip)) continue;
    store.update({
      publicKey: e.wg_pubkey, hostname: e.hostname, meshIp: e.mesh_ip, meshIpv6: e.mesh_ipv6, endpoint: e.endpoint,
      introducer: e.introducer, routableNetworks: e.routable_networks, natType: e.nat_type, lastSeen,
    }, 'cache');
    n++;
  }
  return n;
}
