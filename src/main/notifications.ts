/**
 * Desktop notifications as a pure diff of two states (issue 6): joined the mesh, peers lost
 * (gone from the list while connected) or now relayed, a site turned unhealthy, an update ready —
 * at most {@link MAX_NOTES} per change, with several peers folded into one note — and a throttle
 * so a flapping peer or site does not flood the desktop. Each note names the screen a click
 * opens.
 */
import type { Peer, TunnelState } from '../shared/protocol';
import type { Route, UpdateState } from '../shared/ipc';

/** What notifications are computed from. */
export interface NotifyState {
  /** The tunnel as the service reports it; null while the service is not reachable. */
  tunnel: TunnelState | null;
  peers: Peer[];
  sites: { name: string; health: 'healthy' | 'unhealthy' | 'unknown'; error?: string }[];
  update: Pick<UpdateState, 'state' | 'version'>;
}

/** One notification. */
export interface Note {
  /** What it is about (`joined`, `peer-lost:<key>`…), for throttling. */
  key: string;
  title: string;
  body: string;
  /** The screen a click opens. */
  route: Route;
}

/** Most notes one change produces. */
export const MAX_NOTES = 3;

const peerName = (p: Peer): string => p.hostname ?? p.meshIPv4;

function listNames(peers: Peer[]): string {
  const names = peers.slice(0, 3).map(peerName).join(', ');
  return peers.length > 3 ? `${names} and ${peers.length - 3} more` : names;
}

function peerNotes(prev: NotifyState, next: NotifyState): Note[] {
  if (prev.tunnel !== 'connected' || next.tunnel !== 'connected') return [];
  const now = new Map(next.peers.map((p) => [p.publicKey, p]));
  const lost = prev.peers.filter((p) => !now.has(p.publicKey));
  const relayed = prev.peers.filter((p) => {
    const n = now.get(p.publicKey);
    return n !== undefined && n.path === 'relay' && (p.path === 'direct' || p.path === 'direct-lan');
  }).map((p) => now.get(p.publicKey) as Peer);
  const notes: Note[] = [];
  if (lost.length === 1) notes.push({ key: `peer-lost:${lost[0]?.publicKey}`, title: 'Peer lost', body: `${peerName(lost[0] as Peer)} is no longer in the mesh.`, route: 'dashboard' });
  else if (lost.length > 1) notes.push({ key: 'peers-lost', title: `${lost.length} peers lost`, body: `${listNames(lost)} are no longer in the mesh.`, route: 'dashboard' });
  if (relayed.length === 1) {
    const p = relayed[0] as Peer;
    notes.push({ key: `peer-relayed:${p.publicKey}`, title: 'Peer relayed', body: `${peerName(p)} is now reached through a relay${p.relayVia ? ` (${p.relayVia})` : ''}.`, route: 'dashboard' });
  } else if (relayed.length > 1) {
    notes.push({ key: 'peers-relayed', title: `${relayed.length} peers relayed`, body: `${listNames(relayed)} are now reached through a relay.`, route: 'dashboard' });
  }
  return notes;
}

function siteNotes(prev: NotifyState, next: NotifyState): Note[] {
  const before = new Map(prev.sites.map((s) => [s.name, s.health]));
  return next.sites
    .filter((s) => s.health === 'unhealthy' && before.has(s.name) && before.get(s.name) !== 'unhealthy')
    .map((s) => ({ key: `site:${s.name}`, title: `Site ${s.name} is unreachable`, body: s.error ? `The local service does not answer: ${s.error}.` : 'The local service does not answer.', route: 'expose' as const }));
}

/** The notifications for a change from `prev` to `next` (at most {@link MAX_NOTES}). */
export function diffNotifications(prev: NotifyState, next: NotifyState): Note[] {
  const notes: Note[] = [];
  if (prev.tunnel !== 'connected' && next.tunnel === 'connected') {
    const n = next.peers.length;
    notes.push({ key: 'joined', title: 'Joined the mesh', body: n > 0 ? `Connected to ${n} ${n === 1 ? 'peer' : 'peers'}.` : 'Waiting for the other nodes.', route: 'dashboard' });
  }
  notes.push(...peerNotes(prev, next), ...siteNotes(prev, next));
  if (prev.update.state !== 'ready' && next.update.state === 'ready') {
    notes.push({ key: 'update', title: 'Update ready', body: `Cloudroof${next.update.version ? ` ${next.update.version}` : ''} is downloaded and installs when you quit (or now, from the tray menu).`, route: 'settings' });
  }
  return notes.slice(0, MAX_NOTES);
}

/**
 * Lets a note through unless the same key was shown within `perKeyMs`, or `perWindow` notes
 * were shown within the last `windowMs`.
 */
export class NotificationThrottle {
  private readonly lastByKey = new Map<string, number>();
  private shown: number[] = [];

  constructor(private readonly o: { perKeyMs?: number; windowMs?: number; perWindow?: number; now?: () => number } = {}) {}

  /** Whether `note` may be shown now (and records it when so). */
  allow(note: Note): boolean {
    const now = (this.o.now ?? Date.now)();
    const last = this.lastByKey.get(note.key);
    if (last !== undefined && now - last < (this.o.perKeyMs ?? 5 * 60_000)) return false;
    this.shown = this.shown.filter((t) => now - t < (this.o.windowMs ?? 60_000));
    if (this.shown.length >= (this.o.perWindow ?? 4)) return false;
    this.shown.push(now);
    this.lastByKey.set(note.key, now);
    return true;
  }
}
