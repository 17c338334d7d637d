/**
 * The site endpoints of the control API (issue 5): `expose add/list/remove` on an origin and
 * `edge enable/status/disable` on an edge. Input is canonicalised with the shared allow-lists,
 * intent is kept in the prefs, and the running node (if joined) is told. A change that cannot
 * be applied (a port in use, nginx missing) is refused and the prefs stay as they were.
 */
import {
  ControlError, type EdgeEnableRequest, type EdgeSettings, type EdgeState, type ExposeRequest, type RemoveSiteRequest,
  type SiteConfig, type SitesResponse, type Status,
} from '../../shared/protocol';
import {
  DEFAULT_HEALTH_INTERVAL_S, formatTarget, MAX_SITES, parseHealthInterval, parseHealthPath, parseHostnames, parseSiteName,
  parseSize, parseTarget, SiteInputError,
} from '../../shared/sites';
import type { EdgeNginx, NginxInfo } from '../edge/nginx';
import type { StoredPrefs } from '../state/prefs';
import type { SiteRuntime } from './site-runtime';

/** Edge defaults. */
export const DEFAULT_EDGE_SETTINGS: EdgeSettings = {
  certDir: '/etc/cloudroof/certs', cacheSize: '1g', maxBody: '1g', httpPort: 80, httpsPort: 443,
};

/** What SiteControl needs from the backend. */
export interface SiteControlDeps {
  prefs: () => StoredPrefs;
  savePrefs: (p: StoredPrefs) => Promise<void>;
  /** The running site runtime; undefined when not joined. */
  runtime: () => SiteRuntime | undefined;
  /** An nginx controller, for probing before edge mode is on. */
  createNginx: () => EdgeNginx;
}

/** Site operations behind the control API. */
export class SiteControl {
  private probed: NginxInfo | undefined;

  constructor(private readonly d: SiteControlDeps) {}

  /** GET /v1/sites. */
  sites(): SitesResponse {
    const sites = this.d.prefs().sites;
    const rt = this.d.runtime();
    if (rt) return { sites: rt.origin.views(sites) };
    return { sites: sites.map((s) => ({ ...s, forwarding: { state: 'pending' as const }, health: { state: 'unknown' as const }, edges: [], publicUrls: [] })) };
  }

  /** The status line's figures, or undefined when there are no sites and no edge mode. */
  summary(): Status['sites'] {
    const exposed = this.d.prefs().sites;
    const edge = this.d.prefs().edge?.enabled ? this.d.runtime()?.edge?.state() : undefined;
    if (exposed.length === 0 && !this.d.prefs().edge?.enabled) return undefined;
    const live = this.sites().sites.filter((s) => s.publicUrls.length > 0).length;
    return {
      exposed: exposed.length, live,
      ...(this.d.prefs().edge?.enabled ? { edge: { hostnames: edge?.sites.length ?? 0, config: edge?.config.state ?? 'pending' } } : {}),
    };
  }

  /** POST /v1/sites/expose: adds the site or replaces the one with the same name. */
  async expose(req: ExposeRequest): Promise<SitesResponse> {
    const site = inputCheck(() => ({
      name: parseSiteName(req.name),
      target: formatTarget(parseTarget(req.target)),
      hostnames: parseHostnames(req.hostnames),
      healthPath: parseHealthPath(req.healthPath ?? '/'),
      healthIntervalS: parseHealthInterval(req.healthIntervalS ?? DEFAULT_HEALTH_INTERVAL_S),
    }));
    const current = this.d.prefs().sites;
    const others = current.filter((s) => s.name !== site.name);
    for (const o of others) {
      const shared = o.hostnames.filter((h) => site.hostnames.includes(h));
      if (shared.length) throw new ControlError('invalid-site', `${shared.join(', ')} already belongs to site ${o.name} on this node`);
    }
    if (others.length >= MAX_SITES) throw new ControlError('invalid-site', `a node exposes at most ${MAX_SITES} sites`);
    const old = current.find((s) => s.name === site.name);
    const keepPort = old && old.target === site.target && old.meshPort !== undefined ? { meshPort: old.meshPort } : {};
    const next = current.map((s) => (s.name === site.name ? { ...site, ...keepPort } : s));
    if (!old) next.push(site);
    await this.change(next);
    return this.sites();
  }

  /** POST /v1/sites/remove. */
  async remove(req: RemoveSiteRequest): Promise<SitesResponse> {
    const name = inputCheck(() => parseSiteName(req.name));
    const current = this.d.prefs().sites;
    if (!current.some((s) => s.name === name)) throw new ControlError('site-not-found', `no site named ${name} is exposed here (cloudroof expose list)`);
    await this.change(current.filter((s) => s.name !== name));
    return this.sites();
  }

  /** Applies the stored sites to a node that just joined; errors are logged, not thrown. */
  async applyStored(rt: SiteRuntime, onError: (msg: string) => void): Promise<void> {
    try {
      const applied = await rt.origin.apply(this.d.prefs().sites);
      await this.savePorts(applied);
    } catch (err) {
      onError((err as Error).message);
      for (const s of this.d.prefs().sites) rt.origin.setError(s.name, (err as Error).message);
    }
    const e = this.d.prefs().edge;
    if (e?.enabled) await rt.setEdge(edgeSettingsOf(e));
  }

  /** GET /v1/edge. */
  async edge(): Promise<EdgeState> {
    const e = this.d.prefs().edge;
    const m = this.d.runtime()?.edge;
    if (e?.enabled && m) return m.state();
    const info = await this.probe();
    const nginx = { available: info.available, running: false, ...(info.version ? { version: info.version } : {}), ...(info.error ? { error: info.error } : {}) };
    if (!e?.enabled) return { enabled: false, nginx, config: { state: 'off' }, sites: [] };
    return { enabled: true, settings: edgeSettingsOf(e), nginx, config: { state: 'pending', lastError: 'not joined to a mesh yet' }, sites: [] };
  }

  /** POST /v1/edge/enable. */
  async enableEdge(req: EdgeEnableRequest): Promise<EdgeState> {
    const before = this.d.prefs();
    const base = before.edge ? edgeSettingsOf(before.edge) : DEFAULT_EDGE_SETTINGS;
    const settings: EdgeSettings = inputCheck(() => ({
      certDir: checkDir(req.certDir ?? base.certDir),
      cacheSize: parseSize(req.cacheSize ?? base.cacheSize, 'cache size'),
      maxBody: parseSize(req.maxBody ?? base.maxBody, 'max body'),
      httpPort: req.httpPort ?? base.httpPort,
      httpsPort: req.httpsPort ?? base.httpsPort,
    }));
    if (settings.httpPort === settings.httpsPort) throw new ControlError('invalid-site', 'the HTTP and HTTPS ports must differ');
    this.probed = undefined;
    const info = await this.probe();
    if (!info.available) throw new ControlError('nginx-unavailable', info.error ?? 'nginx is not available; install it (Debian/Ubuntu: sudo apt-get install nginx)');
    await this.d.savePrefs({ ...before, edge: { enabled: true, ...settings } });
    try {
      await this.d.runtime()?.setEdge(settings);
    } catch (err) {
      await this.d.savePrefs(before);
      await this.d.runtime()?.setEdge(before.edge?.enabled ? edgeSettingsOf(before.edge) : undefined).catch(() => undefined);
      throw new ControlError('system-error', `could not enable edge mode: ${(err as Error).message}`);
    }
    return this.edge();
  }

  /** POST /v1/edge/disable: nginx stops serving our sites and our files are removed. */
  async disableEdge(): Promise<EdgeState> {
    const before = this.d.prefs();
    if (before.edge?.enabled) await this.d.savePrefs({ ...before, edge: { ...before.edge, enabled: false } });
    const rt = this.d.runtime();
    if (rt) await rt.setEdge(undefined, true);
    else if (before.edge?.enabled) await this.d.createNginx().remove().catch(() => undefined);
    return this.edge();
  }

  private async change(next: SiteConfig[]): Promise<void> {
    const before = this.d.prefs();
    const rt = this.d.runtime();
    if (!rt) {
      await this.d.savePrefs({ ...before, sites: next });
      return;
    }
    let applied: SiteConfig[];
    try {
      applied = await rt.origin.apply(next); // throws (nothing changed) when it cannot
    } catch (err) {
      if (err instanceof ControlError) throw err;
      throw new ControlError('system-error', `could not apply the sites: ${(err as Error).message}`);
    }
    for (const s of next) rt.origin.setError(s.name, undefined);
    try {
      await this.d.savePrefs({ ...before, sites: applied });
    } catch (err) {
      await rt.origin.apply(before.sites).catch(() => undefined);
      throw err;
    }
  }

  private async savePorts(applied: SiteConfig[]): Promise<void> {
    const p = this.d.prefs();
    if (JSON.stringify(p.sites) !== JSON.stringify(applied)) await this.d.savePrefs({ ...p, sites: applied });
  }

  private async probe(): Promise<NginxInfo> {
    this.probed ??= await this.d.createNginx().probe();
    return this.probed;
  }
}

/** The settings part of the stored edge prefs. */
export function edgeSettingsOf(e: NonNullable<StoredPrefs['edge']>): EdgeSettings {
  return { certDir: e.certDir, cacheSize: e.cacheSize, maxBody: e.maxBody, httpPort: e.httpPort, httpsPort: e.httpsPort };
}

function checkDir(dir: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(dir) || dir.includes('..')) {
    throw new SiteInputError('the certificate directory must be an absolute path of letters, digits and . _ - /');
  }
  return dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
}

/** Runs `fn`, turning a {@link SiteInputError} into the `invalid-site` ControlError. */
export function inputCheck<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SiteInputError) throw new ControlError('invalid-site', err.message);
    throw err;
  }
}
