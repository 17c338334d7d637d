// Notifications: the pure diff (joined, peers lost or relayed, a site turning unhealthy, an
// update ready; nothing for the first state, for leaving, or for unchanged state), the cap and
// the throttle, and the feed against the fake Electron: a click opens the note's screen, sites
// are polled while this node exposes any.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppStateStore } from './app-state';
import { FakeElectron } from './fake-electron';
import { NotificationFeed } from './notification-feed';
import { diffNotifications, MAX_NOTES, NotificationThrottle, type Note, type NotifyState } from './notifications';
import { appState, connected, FakeConnection, peer } from './test-fixtures';

const base: NotifyState = { tunnel: 'connected', peers: [peer(1), peer(2)], sites: [], update: { state: 'idle' } };
const titles = (notes: Note[]): string[] => notes.map((n) => n.title);

describe('notification diff', () => {
  it('announces joining the mesh, not leaving it', () => {
    expect(diffNotifications({ ...base, tunnel: 'connecting', peers: [] }, base)).toEqual([
      { key: 'joined', title: 'Joined the mesh', body: 'Connected to 2 peers.', route: 'dashboard' },
    ]);
    expect(diffNotifications({ ...base, tunnel: null }, { ...base, peers: [] })[0]?.body).toBe('Waiting for the other nodes.');
    expect(diffNotifications(base, { ...base, tunnel: 'disconnected', peers: [] })).toEqual([]);
    expect(diffNotifications(base, base)).toEqual([]);
  });

  it('a lost peer, several lost peers folded into one note', () => {
    expect(diffNotifications(base, { ...base, peers: [peer(2)] })).toEqual([
      { key: `peer-lost:${peer(1).publicKey}`, title: 'Peer lost', body: 'node-1 is no longer in the mesh.', route: 'dashboard' },
    ]);
    const many = [1, 2, 3, 4, 5].map((n) => peer(n));
    const [note] = diffNotifications({ ...base, peers: many }, { ...base, peers: [] });
    expect(note).toEqual({ key: 'peers-lost', title: '5 peers lost', body: 'node-1, node-2, node-3 and 2 more are no longer in the mesh.', route: 'dashboard' });
  });

  it('a peer that turns relayed (from a direct path only)', () => {
    const relayed = { ...base, peers: [peer(1, { path: 'relay', relayVia: 'vps' }), peer(2)] };
    expect(diffNotifications(base, relayed)).toEqual([
      { key: `peer-relayed:${peer(1).publicKey}`, title: 'Peer relayed', body: 'node-1 is now reached through a relay (vps).', route: 'dashboard' },
    ]);
    const fromNone = { ...base, peers: [peer(1, { path: 'none' }), peer(2)] };
    expect(diffNotifications(fromNone, relayed)).toEqual([]);
  });

  it('a site that turns unhealthy opens the expose screen', () => {
    const prev = { ...base, sites: [{ name: 'blog', health: 'healthy' as const }, { name: 'wiki', health: 'unhealthy' as const }] };
    const next = { ...base, sites: [{ name: 'blog', health: 'unhealthy' as const, error: 'connection refused' }, { name: 'wiki', health: 'unhealthy' as const }, { name: 'new', health: 'unhealthy' as const }] };
    expect(diffNotifications(prev, next)).toEqual([
      { key: 'site:blog', title: 'Site blog is unreachable', body: 'The local service does not answer: connection refused.', route: 'expose' },
    ]);
  });

  it('an update that is ready', () => {
    expect(diffNotifications(base, { ...base, update: { state: 'ready', version: '1.3.0' } })).toEqual([
      { key: 'update', title: 'Update ready', body: 'Cloudroof 1.3.0 is downloaded and installs when you quit (or now, from the tray menu).', route: 'settings' },
    ]);
  });

  it(`never more than ${MAX_NOTES} at once`, () => {
    const prev = { ...base, peers: [peer(1, { path: 'direct' }), peer(2), peer(3)], sites: [{ name: 'a', health: 'healthy' as const }, { name: 'b', health: 'healthy' as const }] };
    const next = { ...base, peers: [peer(1, { path: 'relay' })], sites: [{ name: 'a', health: 'unhealthy' as const }, { name: 'b', health: 'unhealthy' as const }], update: { state: 'ready' as const } };
    expect(titles(diffNotifications(prev, next))).toEqual(['2 peers lost', 'Peer relayed', 'Site a is unreachable']);
  });
});

describe('notification throttle', () => {
  it('holds back a repeated key and bursts', () => {
    let now = 0;
    const t = new NotificationThrottle({ perKeyMs: 300_000, windowMs: 60_000, perWindow: 2, now: () => now });
    const note = (key: string): Note => ({ key, title: key, body: '', route: 'dashboard' });
    expect(t.allow(note('a'))).toBe(true);
    expect(t.allow(note('a'))).toBe(false);
    expect(t.allow(note('b'))).toBe(true);
    expect(t.allow(note('c'))).toBe(false);
    now = 61_000;
    expect(t.allow(note('c'))).toBe(true);
    expect(t.allow(note('a'))).toBe(false);
    now = 301_000;
    expect(t.allow(note('a'))).toBe(true);
  });
});

describe('notification feed', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows notes for changes after the baseline; a click opens the screen', async () => {
    const electron = new FakeElectron();
    const store = new AppStateStore(appState());
    const conn = new FakeConnection({
      sites: { sites: [{ name: 'blog', target: 'http://127.0.0.1:8080', hostnames: ['blog.example'], healthPath: '/', healthIntervalS: 10,
        forwarding: { state: 'active' }, health: { state: 'unhealthy', error: 'connection refused' }, edges: [], publicUrls: [] }] },
    });
    const opened: string[] = [];
    conn.snap = { status: connected(1, { sites: { exposed: 1, live: 1 } }), peers: [peer(1)] };
    const feed = new NotificationFeed({ notifications: electron.notifications, connection: conn, store, open: (r) => opened.push(r) });
    feed.start();
    expect(electron.notes).toEqual([]);
    conn.pushPeers([]);
    expect(electron.notes.map((n) => n.title)).toEqual(['Peer lost']);
    electron.notes[0]?.click();
    expect(opened).toEqual(['dashboard']);

    await feed.pollSites();
    expect(electron.notes.map((n) => n.title)).toEqual(['Peer lost']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(conn.names()).toEqual(['sites', 'sites']);

    store.update({ update: { state: 'ready', version: '1.3.0' } });
    expect(electron.notes.map((n) => n.title)).toEqual(['Peer lost', 'Update ready']);
    feed.stop();
  });

  it('polls no sites while none are exposed, and shows nothing where notifications are unsupported', async () => {
    const electron = new FakeElectron();
    electron.notificationsSupported = false;
    const conn = new FakeConnection();
    conn.snap = { status: connected(1), peers: [peer(1)] };
    const feed = new NotificationFeed({ notifications: electron.notifications, connection: conn, store: new AppStateStore(appState()), open: () => undefined });
    feed.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(conn.names()).toEqual([]);
    conn.pushPeers([]);
    expect(electron.notes).toEqual([]);
    feed.stop();
  });
});
