/**
 * Feeds notifications.ts: builds the {@link NotifyState} from the watch stream, the connection,
 * the updater's state and the sites' health (GET /v1/sites every 10 s while this node exposes
 * sites), diffs it against the previous one on every change, and shows what the throttle lets
 * through. The first state after start is the baseline (nothing is announced for it). A click
 * opens the note's screen.
 */
import type { SitesResponse } from '../shared/protocol';
import type { Route } from '../shared/ipc';
import type { AppStateStore } from './app-state';
import type { NotificationPort } from './electron-port';
import { diffNotifications, NotificationThrottle, type Note, type NotifyState } from './notifications';
import type { ServiceConnection } from './service-connection';

/** Options of {@link NotificationFeed}. */
export interface NotificationFeedOptions {
  notifications: NotificationPort;
  connection: Pick<ServiceConnection, 'onWatch' | 'onState' | 'snapshot' | 'call'>;
  store: AppStateStore;
  open: (route: Route) => void;
  throttle?: NotificationThrottle;
  sitesPollMs?: number;
}

/** Watches the state and shows notifications for its changes. */
export class NotificationFeed {
  private prev: NotifyState | null = null;
  private sites: NotifyState['sites'] = [];
  private poll: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly throttle: NotificationThrottle;

  constructor(private readonly o: NotificationFeedOptions) {
    this.throttle = o.throttle ?? new NotificationThrottle();
  }

  /** Starts following the state (the current one is the baseline). */
  start(): void {
    this.unsubscribe.push(
      this.o.connection.onWatch(() => this.recompute()),
      this.o.connection.onState(() => this.recompute()),
      this.o.store.subscribe(() => this.recompute()),
    );
    this.poll = setInterval(() => { void this.pollSites(); }, this.o.sitesPollMs ?? 10_000);
    this.recompute();
  }

  /** Stops following. */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    clearInterval(this.poll);
  }

  /** Shows a note now if the throttle allows it (also used for errors of tray actions). */
  show(note: Note): void {
    if (!this.o.notifications.isSupported() || !this.throttle.allow(note)) return;
    this.o.notifications.show({ title: note.title, body: note.body }, () => this.o.open(note.route));
  }

  /** Loads the sites' health when this node exposes any. */
  async pollSites(): Promise<void> {
    const exposed = this.o.connection.snapshot()?.status.sites?.exposed ?? 0;
    if (exposed === 0) {
      this.sites = [];
      return;
    }
    try {
      const res = await this.o.connection.call('sites') as SitesResponse;
      this.sites = res.sites.map((s) => ({ name: s.name, health: s.health.state, ...(s.health.error ? { error: s.health.error } : {}) }));
    } catch {
      return;
    }
    this.recompute();
  }

  private current(): NotifyState {
    const snap = this.o.connection.snapshot();
    const { state, version } = this.o.store.get().update;
    return {
      tunnel: snap?.status.tunnelState ?? null,
      peers: snap?.peers ?? [],
      sites: this.sites,
      update: version !== undefined ? { state, version } : { state },
    };
  }

  private recompute(): void {
    const next = this.current();
    const prev = this.prev;
    this.prev = next;
    if (!prev) return;
    for (const note of diffNotifications(prev, next)) this.show(note);
  }
}
