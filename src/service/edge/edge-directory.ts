/**
 * Edge capability reports (issue 6), the receiving side: the mesh's edges as this node heard
 * them. Reports arrive already authenticated (the envelope opened and its `wg_pubkey` is the
 * peer whose mesh address sent it: site-runtime.ts). A report replaces the previous one from the
 * same edge when its `seq` is higher; a report with config state `off` (edge mode ended) removes
 * the edge at once; an edge that falls silent is dropped {@link EDGE_INFO_TTL_MS} after its last
 * report.
 */
import type { MeshEdge } from '../../shared/protocol';
import type { Clock } from '../clock';
import type { EdgeInfo } from '../mesh/site-messages';
import type { SitePeer } from '../origin/origin-manager';
import { toMeshEdge } from './edge-info';

/** An edge is listed for this long after its last report. */
export const EDGE_INFO_TTL_MS = 60_000;
/** Withdrawn edges remembered (for their `seq`), at most. */
const MAX_LEFT = 1000;

interface Entry {
  info: EdgeInfo;
  peer: SitePeer;
  at: number;
}

/** The edges of the mesh by public key; see the module comment. */
export class EdgeDirectory {
  private readonly entries = new Map<string, Entry>();
  /** `seq` of the `off` report of each edge that left, so a replay of an older report cannot bring it back. */
  private readonly left = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /**
   * Takes an authenticated report from `peer`. Returns true when the listing changed (a new
   * edge, other capabilities, an edge gone); an older or replayed report changes nothing.
   */
  onInfo(info: EdgeInfo, peer: SitePeer): boolean {
    const prev = this.entries.get(info.wgPubkey);
    if ((prev?.info.seq ?? this.left.get(info.wgPubkey) ?? -1) >= info.seq) return false;
    if (info.config.state === 'off') {
      this.left.set(info.wgPubkey, info.seq);
      return this.entries.delete(info.wgPubkey);
    }
    this.left.delete(info.wgPubkey);
    this.entries.set(info.wgPubkey, { info, peer, at: this.clock.now() });
    return !prev || JSON.stringify({ ...prev.info, seq: 0 }) !== JSON.stringify({ ...info, seq: 0 }) || prev.peer.meshIp !== peer.meshIp;
  }

  /** Drops edges silent for longer than {@link EDGE_INFO_TTL_MS}; true when one was dropped. */
  expire(): boolean {
    const now = this.clock.now();
    let dropped = false;
    for (const [key, e] of this.entries) {
      if (now - e.at > EDGE_INFO_TTL_MS) dropped = this.entries.delete(key) || dropped;
    }
    for (const [key] of this.left) {
      if (this.left.size <= MAX_LEFT) break;
      this.left.delete(key); // oldest first: bounded memory
    }
    return dropped;
  }

  /** Edges that reported within {@link EDGE_INFO_TTL_MS}, by hostname then key. */
  list(): MeshEdge[] {
    this.expire();
    return [...this.entries.values()]
      .map((e) => toMeshEdge(e.info, e.peer, e.at))
      .sort((a, b) => (a.hostname ?? '').localeCompare(b.hostname ?? '') || a.publicKey.localeCompare(b.publicKey));
  }
}
