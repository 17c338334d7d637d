/**
 * Fan-out of state changes to watch-stream listeners: status events as they happen, peer lists
 * coalesced (a REPLY can touch dozens of peers) and sent only when they changed. Nothing is
 * computed while nobody listens.
 */
import type { Peer, Status, WatchEvent } from '../../shared/protocol';
import type { WatchListener } from '../control/backend';

/** Listeners of one backend. */
export class WatchHub {
  private readonly listeners = new Set<WatchListener>();
  private lastPeersJson = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly status: () => Status, private readonly peers: () => Peer[]) {}

  /** Adds a listener; returns the (idempotent) unsubscribe function. */
  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    this.lastPeersJson = ''; // the newcomer got a snapshot; the next change goes to everyone
    return () => { this.listeners.delete(listener); };
  }

  /** Sends the current status. */
  statusChanged(): void {
    if (this.listeners.size) this.emit({ type: 'status', status: this.status() });
  }

  /** Peers may have changed: an event within 100 ms if they did. */
  peersMayHaveChanged(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.peersChanged();
    }, 100);
  }

  /** Sends the peer list (and the status with its peer count) now, if it changed. */
  peersChanged(): void {
    if (this.listeners.size === 0) return;
    const peers = this.peers();
    const json = JSON.stringify(peers);
    if (json === this.lastPeersJson) return;
    this.lastPeersJson = json;
    this.emit({ type: 'peers', peers });
    this.statusChanged();
  }

  private emit(e: WatchEvent): void {
    for (const l of this.listeners) l(e);
  }
}
